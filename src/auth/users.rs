//! Users and their credential accounts, as Better Auth's internal adapter keeps them.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::DbConn;
use crate::db::sql_types::At;
use unicode_normalization::UnicodeNormalization as _;

use super::crypto::generate_id;
use crate::db::models::{Account, NewAccount, NewUser, User, UserChanges};
use crate::db::schema::{account, user};
use crate::wire::now;

/// Better Auth's provider id for email and password.
pub const CREDENTIAL_PROVIDER: &str = "credential";

/// zod v4's email pattern (`zod/v4/core/regexes.js`).
#[expect(
    clippy::expect_used,
    reason = "a constant pattern, checked by the tests"
)]
pub fn is_valid_email(email: &str) -> bool {
    static EMAIL: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    EMAIL
        .get_or_init(|| {
            regex::Regex::new(r"^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$")
                .expect("valid regex")
        })
        .is_match(email)
}

/// JavaScript's `toLowerCase` for the ASCII-dominated email case; Unicode-aware.
pub fn lowercase_email(email: &str) -> String {
    email.to_lowercase()
}

/// `findUserByEmail`: exact match on the lowercased address, then Better Auth's NFC re-check.
pub async fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    crate::db_run!(conn, c => {
        let wanted = lowercase_email(email);
        let found = user::table
            .filter(user::email.eq(&wanted))
            .select(User::as_select())
            .first(c)
            .await
            .optional()?;
        let nfc = |s: &str| s.nfc().collect::<String>().to_lowercase();
        Ok(found.filter(|u| nfc(&u.email) == nfc(email)))
    })
}

/// The user with this id.
pub async fn find_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<User>> {
    crate::db_run!(conn, c => {
        user::table
            .find(id)
            .select(User::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// Updates a user and bumps `updatedAt` (Better Auth's `onUpdate`); `None` when the row is gone.
/// An email in `changes` must already be lowercased.
pub async fn update(
    conn: &mut DbConn,
    id: &str,
    mut changes: UserChanges<'_>,
) -> QueryResult<Option<User>> {
    crate::db_write!(conn, c => {
        changes.updated_at = Some(At(now()));
        diesel::update(user::table.find(id))
            .set(changes)
            .returning(User::as_returning())
            .get_results(c)
            .await
            .and_then(crate::db::single)
            .optional()
    })
}

/// `updateUserByEmail(email, {emailVerified: true})`.
pub async fn mark_verified(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    crate::db_write!(conn, c => {
        diesel::update(user::table.filter(user::email.eq(email)))
            .set((user::email_verified.eq(true), user::updated_at.eq(At(now()))))
            .returning(User::as_returning())
            .get_results(c)
            .await
            .and_then(crate::db::single)
            .optional()
    })
}

/// Deletes the user; sessions and accounts go with it (`ON DELETE CASCADE`).
pub async fn delete(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    crate::db_write!(conn, c => {
        diesel::delete(user::table.find(id)).execute(c).await
    })
}

/// The user's credential account (`providerId = 'credential'` and `accountId = userId`).
pub async fn find_credential_account(
    conn: &mut DbConn,
    user_id: &str,
) -> QueryResult<Option<Account>> {
    crate::db_run!(conn, c => {
        account::table
            .filter(account::user_id.eq(user_id))
            .filter(account::provider_id.eq(CREDENTIAL_PROVIDER))
            .filter(account::account_id.eq(user_id))
            .select(Account::as_select())
            .first(c)
            .await
            .optional()
    })
}

/// What sign-up needs to create a user.
#[derive(Debug)]
pub struct SignUp<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub image: Option<&'a str>,
    pub password_hash: &'a str,
}

/// Creates the user and its credential account in one transaction.
/// Returns `None` when the email is taken (a unique violation, even under a race).
pub async fn create_with_password(
    conn: &mut DbConn,
    input: SignUp<'_>,
) -> QueryResult<Option<User>> {
    let now = At(now());
    let id = generate_id(32);
    let email = lowercase_email(input.email);
    let result = conn
        .transaction(async |conn| {
            crate::db_run!(conn, c => {
                let created = diesel::insert_into(user::table)
                    .values(NewUser {
                        id: &id,
                        name: input.name,
                        email: &email,
                        email_verified: false,
                        image: input.image,
                        created_at: now,
                        updated_at: now,
                    })
                    .returning(User::as_returning())
                    .get_result(c)
                    .await?;
                let account_id = generate_id(32);
                diesel::insert_into(account::table)
                    .values(NewAccount {
                        id: &account_id,
                        account_id: &id,
                        provider_id: CREDENTIAL_PROVIDER,
                        user_id: &id,
                        password: Some(input.password_hash),
                        created_at: now,
                        updated_at: now,
                    })
                    .execute(c)
                    .await?;
                Ok(created)
            })
        })
        .await;
    match result {
        Ok(user) => Ok(Some(user)),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Replaces the credential account's password hash.
pub async fn update_password(
    conn: &mut DbConn,
    user_id: &str,
    password_hash: &str,
) -> QueryResult<usize> {
    crate::db_write!(conn, c => {
        diesel::update(
            account::table
                .filter(account::user_id.eq(user_id))
                .filter(account::provider_id.eq(CREDENTIAL_PROVIDER))
                .filter(account::account_id.eq(user_id)),
        )
        .set((
            account::password.eq(password_hash),
            account::updated_at.eq(At(now())),
        ))
        .execute(c)
        .await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_follow_zods_pattern() {
        for ok in [
            "a@b.co",
            "first.last+tag@sub.example.com",
            "o'brien@example.org",
        ] {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "a@b.c",
            " a@b.co",
            "a@b.co ",
            "a..b@c.com",
            "a@-b.com",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }
}

//! A user's linked accounts (`account` rows), as Better Auth's internal adapter keeps them.
//! Every query is scoped to the owner, so another user's account is as missing as a nonexistent one.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::DbConn;
use crate::db::sql_types::At;

use super::crypto::generate_id;
use super::users::{CREDENTIAL_PROVIDER, find_credential_account, update_password};
use crate::db::models::{Account, NewAccount};
use crate::db::schema::account;
use crate::wire::now;

/// The user's accounts, oldest first (`findAccounts`).
pub async fn list(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<Account>> {
    crate::db_run!(conn, c => {
        account::table
            .filter(account::user_id.eq(user_id))
            .order((account::created_at.asc(), account::id.asc()))
            .select(Account::as_select())
            .load(c)
            .await
    })
}

/// Deletes the account row `id` if it belongs to `user_id`.
pub async fn delete_owned(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<usize> {
    crate::db_write!(conn, c => {
        diesel::delete(
            account::table
                .filter(account::id.eq(id))
                .filter(account::user_id.eq(user_id)),
        )
        .execute(c)
        .await
    })
}

/// Sets the credential password, creating the credential account when the user has none
/// (`resetCredentialPassword` in `better-auth/src/utils/password.ts`).
pub async fn set_credential_password(
    conn: &mut DbConn,
    user_id: &str,
    password_hash: &str,
) -> QueryResult<()> {
    if find_credential_account(conn, user_id).await?.is_some() {
        update_password(conn, user_id, password_hash).await?;
        return Ok(());
    }
    let now = At(now());
    let row = NewAccount {
        id: &generate_id(32),
        account_id: user_id,
        provider_id: CREDENTIAL_PROVIDER,
        user_id,
        password: Some(password_hash),
        created_at: now,
        updated_at: now,
    };
    crate::db_write!(conn, c => diesel::insert_into(account::table).values(row).execute(c).await)?;
    Ok(())
}

/// Better Auth's `parseStoredScopes`: the comma-separated `scope` column as a list.
pub fn scopes(scope: Option<&str>) -> Vec<String> {
    scope
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_split_on_commas_and_trimmed() {
        assert!(scopes(None).is_empty());
        assert!(scopes(Some("")).is_empty());
        assert_eq!(
            scopes(Some("email, profile,,openid")),
            ["email", "profile", "openid"]
        );
    }
}

//! Email-and-password credentials: sign-in's check and sign-up's registration, as Better Auth
//! does them (`better-auth/src/api/routes/sign-in.ts`, `sign-up.ts`). No HTTP here: the routes
//! map these outcomes to responses.
//!
//! Both take their connections from a [`Connect`] and hold none while a password is hashed, so a
//! storm of sign-ins queues on the hashing threads without draining the pool.

use secrecy::SecretString;

use super::password::PasswordHasher;
use super::users::{self, SignUp};
use crate::db::models::User;
use crate::db::{Connect, DbConn};

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("unknown user")]
    UnknownUser,
    #[error("invalid password")]
    InvalidPassword,
    /// The password is right, but the address must be verified first.
    #[error("email not verified")]
    EmailNotVerified(Box<User>),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl SignInError {
    /// The audit log's reason.
    pub fn reason(&self) -> &'static str {
        match self {
            SignInError::UnknownUser => "unknown_user",
            SignInError::InvalidPassword => "invalid_password",
            SignInError::EmailNotVerified(_) => "email_not_verified",
            SignInError::Failed(_) => "error",
        }
    }
}

impl From<diesel::result::Error> for SignInError {
    fn from(e: diesel::result::Error) -> Self {
        SignInError::Failed(e.into())
    }
}

/// A checked sign-in.
#[derive(Debug)]
pub struct Authenticated {
    pub user: User,
    /// The password hashed anew in the configured format, when the stored hash is of another
    /// (scrypt with `PASSWORD_HASHER=argon2id`): store it with the session.
    pub rehash: Option<String>,
}

/// Checks an email and password. An unknown email verifies a dummy hash of the same cost, so
/// timing does not reveal which addresses exist. With `require_verified`, an unverified address
/// is refused after its password checked out (sign-in.ts).
pub async fn authenticate(
    db: &impl Connect,
    hasher: &PasswordHasher,
    email: &str,
    password: &SecretString,
    require_verified: bool,
) -> Result<Authenticated, SignInError> {
    let found = find_with_hash(db.connect().await.map_err(anyhow::Error::from)?, email).await?;
    let Some((user, hash)) = found else {
        hasher.verify_dummy(password).await?;
        return Err(SignInError::UnknownUser);
    };
    if !hasher.verify(password, &hash).await? {
        return Err(SignInError::InvalidPassword);
    }
    if require_verified && !user.email_verified {
        return Err(SignInError::EmailNotVerified(Box::new(user)));
    }
    let rehash = match hasher.needs_upgrade(&hash) {
        true => Some(hasher.hash(password).await?),
        false => None,
    };
    Ok(Authenticated { user, rehash })
}

/// The user of `email` with their credential hash. Takes the connection by value: it goes back
/// to the pool when this returns, before any hashing starts.
async fn find_with_hash(
    mut conn: DbConn,
    email: &str,
) -> diesel::QueryResult<Option<(User, String)>> {
    let Some(user) = users::find_by_email(&mut conn, email).await? else {
        return Ok(None);
    };
    let account = users::find_credential_account(&mut conn, &user.id).await?;
    Ok(account.and_then(|a| a.password).map(|hash| (user, hash)))
}

/// Why a sign-up failed.
#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    /// The address is taken (found, or lost to a concurrent sign-up).
    #[error("email taken")]
    Taken,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for SignUpError {
    fn from(e: diesel::result::Error) -> Self {
        SignUpError::Failed(e.into())
    }
}

/// A new user's credentials, as sign-up received them.
#[derive(Debug)]
pub struct NewCredentials<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub image: Option<&'a str>,
    pub password: &'a SecretString,
}

/// A created user, with the connection of the last phase for the session that follows.
pub struct Registered {
    pub user: User,
    pub conn: DbConn,
}

/// Creates the user and its credential account. A taken address is refused before hashing,
/// unless `hash_when_taken` (Better Auth hashes anyway when `requireEmailVerification` makes the
/// answer look like a success, so timing matches).
pub async fn register(
    db: &impl Connect,
    hasher: &PasswordHasher,
    new: NewCredentials<'_>,
    hash_when_taken: bool,
) -> Result<Registered, SignUpError> {
    let taken = {
        let mut conn = db.connect().await.map_err(anyhow::Error::from)?;
        users::find_by_email(&mut conn, new.email).await?.is_some()
    };
    if taken {
        if hash_when_taken {
            hasher.hash(new.password).await?;
        }
        return Err(SignUpError::Taken);
    }
    // The connection above is back in the pool while this hash runs.
    let hash = hasher.hash(new.password).await?;
    let mut conn = db.connect().await.map_err(anyhow::Error::from)?;
    let input = SignUp {
        name: new.name,
        email: new.email,
        image: new.image,
        password_hash: &hash,
    };
    match users::create_with_password(&mut conn, input).await? {
        Some(user) => Ok(Registered { user, conn }),
        None => Err(SignUpError::Taken),
    }
}

//! The JWT plugin's routes: `GET /token` and `GET /jwks` (`better-auth/src/plugins/jwt/index.ts`).

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AuthContext;
use super::session_guard::{Required, Session};
use crate::auth::jwt::{keys, sign};
use crate::config::JwtAlg;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::state::LazyConn;

/// `/token` response.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT for the signed-in user (EdDSA with a `/jwks` key, or HS256 when `JWT_ALG=HS256`).
    #[schema(example = "eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiJ9.eyJpYXQiOjE3OTU1NTY2ODR9.c2ln")]
    token: String,
}

/// One public key of the set.
#[derive(Serialize, ToSchema)]
pub struct PublicJwk {
    #[schema(example = "EdDSA")]
    alg: String,
    #[schema(example = "Ed25519")]
    crv: Option<String>,
    #[schema(example = "tmGTcp0yzpaqNZvVPZ25QUTE0a3OXLG8oQgNWNAubcw")]
    x: Option<String>,
    #[schema(example = "OKP")]
    kty: String,
    /// The `jwks.id`, matched by the JWT header's `kid`.
    #[schema(example = "hkWVa28O3fwOxKmCUGFL5hyNZjYqcZhy")]
    kid: String,
}

/// `/jwks` response.
#[derive(Serialize, ToSchema)]
pub struct JwksResponse {
    #[schema(value_type = Vec<PublicJwk>)]
    keys: Vec<serde_json::Value>,
}

/// Get a JWT for the current session.
///
/// Signs Better Auth's payload (`iat`, the user, `sub`, `exp`, `iss`, `aud`) with the newest
/// live key, minting one if there is none. Like any session lookup, it may extend the session.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "A fresh JWT", body = TokenResponse),
        (status = 401, description = "No valid session", body = ErrorBody),
    ),
    security(("bearerSession" = []), ("sessionCookie" = []))
)]
#[get("/token")]
pub async fn get_token(
    ctx: AuthContext,
    // `sessionMiddleware`: the shared guard also slides the session when due and expires the
    // cookies of a vanished one.
    Session(caller): Session<Required>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let mut conn = LazyConn::new(&ctx);
    let (keys, user) = (&ctx.signing_keys, &caller.user);
    let token = sign::issue(&mut conn, &ctx.config, keys, user, caller.from_cache).await?;
    Ok(web::Json(TokenResponse { token }))
}

/// Get the JSON Web Key Set.
///
/// The public keys that verify this server's EdDSA JWTs (and any other key in the `jwks` table),
/// including rotated keys still in their grace period. With `JWT_ALG=EdDSA` an empty set first
/// gets a key; with `HS256` the set may be empty (the shared secret is never published).
#[utoipa::path(
    tag = "auth",
    responses((status = 200, description = "The key set", body = JwksResponse)),
    security(())
)]
#[get("/jwks")]
pub async fn get_jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mint = state.config.jwt.alg == JwtAlg::EdDsa;
    let keys = keys::public_keys(&mut state.conn().await?, &state.config, mint).await?;
    Ok(HttpResponse::Ok().json(JwksResponse { keys }))
}

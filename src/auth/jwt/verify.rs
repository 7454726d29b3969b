//! Verifying this server's EdDSA JWTs for the task API, as Better Auth's `verifyJWT`
//! (`better-auth/src/plugins/jwt/verify.ts`) does, with an independent implementation (jsonwebtoken).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::DbConn;
use serde::de::DeserializeOwned;

use super::keys;
use crate::config::Config;
use crate::db::models::Jwk;
use crate::db::schema;
use crate::wire::now;

/// Verifies an EdDSA JWT against the `jwks` key named by its `kid` (as Better Auth's `verifyJWT`):
/// signature, `exp`, `iss` and `aud` (configured or the base URL's origin), `sub` present. Keys
/// past their grace period no longer verify. `Ok(None)` for any invalid token.
pub async fn verify_eddsa<C: DeserializeOwned>(
    conn: &mut DbConn,
    token: &str,
    config: &Config,
) -> QueryResult<Option<C>> {
    use jsonwebtoken::Algorithm;
    let Ok(header) = jsonwebtoken::decode_header(token) else {
        return Ok(None);
    };
    let Some(kid) = header.kid.filter(|_| header.alg == Algorithm::EdDSA) else {
        return Ok(None);
    };
    let row = find_eddsa(conn, &kid).await?;
    let Some(row) = row.filter(|r| keys::published(r, config, now())) else {
        return Ok(None);
    };
    Ok(decode_eddsa(
        token,
        &row.public_key,
        &config.jwt_iss(),
        &config.jwt_aud(),
    ))
}

/// Verifies an EdDSA JWT against one stored public key (`jwks.publicKey`, an Ed25519 JWK):
/// signature, `exp` (no leeway), `iss`, `aud`, `sub` present. `None` for any invalid token or key.
pub fn decode_eddsa<C: DeserializeOwned>(
    token: &str,
    public_key: &str,
    issuer: &str,
    audience: &str,
) -> Option<C> {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    let public = serde_json::from_str::<keys::PublicJwk>(public_key).ok()?;
    if public.kty != "OKP" || public.crv != keys::ED25519 {
        return None;
    }
    let key = DecodingKey::from_ed_components(&public.x).ok()?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.leeway = 0;
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "sub", "aud", "iss"]);
    jsonwebtoken::decode::<C>(token, &key, &validation)
        .ok()
        .map(|d| d.claims)
}

async fn find_eddsa(conn: &mut DbConn, kid: &str) -> QueryResult<Option<Jwk>> {
    crate::db_run!(conn, c => {
        schema::jwks::table
            .find(kid)
            .filter(
                schema::jwks::alg
                    .is_null()
                    .or(schema::jwks::alg.eq(keys::EDDSA)),
            )
            .select(Jwk::as_select())
            .first(c)
            .await
            .optional()
    })
}

//! JWT keys over time: rotation and grace, versioned secrets, HS256, issuer/audience/lifetime
//! settings, and the EdDSA verifier the task API uses.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use better_auth_actix::auth::jwt::{keys, sign, verify};
use better_auth_actix::config::{Config, JwtAlg};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use crate::helpers::database::{at, rounded, seconds_between};
use crate::helpers::jwt::part;
use crate::helpers::{
    Fetch as _, SECRET, TestApp, TestUser, fresh_database, query_text, sql, test_config,
};

const OLD: &str = "old-secret-0123456789-abcdefghijklmnopqrstu";
const NEW: &str = "new-secret-0123456789-abcdefghijklmnopqrstu";
const RFC8032_PUBLIC: &str =
    r#"{"crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kty":"OKP"}"#;
/// The RFC 8032 test-1 private JWK sealed under `OLD` by `scripts/xchacha_decrypt.py`.
const RFC8032_SEALED_OLD: &str = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b735e43a16daa9182be9d2d9ea3cab5465573ce48fc910a1dcf480690e50dc8fe094cc85327fca21a1455c7bac68f2aff207cbe59b7fec8d271d2f1762866139b57fa34b459e313279be9152cceb9043f1c6ad7b2b975dc68e4158a8418c5af8b043c8bdfe685e6a94f1e90ec5cdf0c9263a07de8d3d54cd4e19694d6afceafe4796faa92d78a374282597130e411f6d11bd";

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    email: String,
}

async fn token(user: &TestUser) -> String {
    let response = user.get("/api/auth/token").await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.json()["token"].as_str().unwrap().to_owned()
}

async fn kids(app: &TestApp) -> Vec<String> {
    let set = app.get("/api/auth/jwks").await.json();
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

async fn verify(app: &TestApp, config: &Config, jwt: &str) -> Option<Claims> {
    let mut conn = crate::helpers::database::connect(&app.database_url).await;
    verify::verify_eddsa::<Claims>(&mut conn, jwt, config)
        .await
        .unwrap()
}

fn rotated(config: &mut Config) {
    config.secrets = vec![NEW.into(), OLD.into()];
    config.secret_versions = vec![2, 1];
}

#[tokio::test]
async fn an_expired_key_is_replaced_for_signing_and_published_until_its_grace_period_ends() {
    let app =
        TestApp::spawn_with(|c| c.jwt.rotation_interval = Some(Duration::from_secs(60))).await;
    let alice = app.sign_up().await;
    let first = token(&alice).await;
    let a = part(&first, 0)["kid"].as_str().unwrap().to_owned();
    let lifetime = query_text(
        &app.database_url,
        &format!(
            "SELECT {} AS value FROM jwks",
            rounded(&seconds_between(
                &app.database_url,
                r#""expiresAt""#,
                r#""createdAt""#
            ))
        ),
    );
    assert_eq!(
        lifetime.as_deref(),
        Some("60"),
        "expiresAt = createdAt + interval"
    );
    assert_eq!(
        token(&alice).await.split('.').next(),
        first.split('.').next(),
        "a live key is reused"
    );

    sql(
        &app.database_url,
        &format!(
            r#"UPDATE jwks SET "createdAt" = {}, "expiresAt" = {}"#,
            app.at("-2 hours"),
            app.at("-1 hour")
        ),
    );
    let second = token(&alice).await;
    let b = part(&second, 0)["kid"].as_str().unwrap().to_owned();
    assert_ne!(a, b, "an expired key no longer signs");
    assert_eq!(
        kids(&app).await,
        [a.clone(), b.clone()],
        "the expired key is still published"
    );
    assert!(
        verify(&app, &app.config, &first).await.is_some(),
        "and still verifies"
    );

    sql(
        &app.database_url,
        &format!(
            r#"UPDATE jwks SET "expiresAt" = {} WHERE id = '{a}'"#,
            app.at("-31 days")
        ),
    );
    assert_eq!(
        kids(&app).await,
        std::slice::from_ref(&b),
        "past the grace period it is gone"
    );
    assert!(verify(&app, &app.config, &first).await.is_none());
    assert!(verify(&app, &app.config, &second).await.is_some());
    assert_eq!(app.count("jwks"), 2);
}

#[tokio::test]
async fn the_newest_live_key_signs_and_an_expired_newer_key_does_not_shadow_it() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let old = part(&token(&alice).await, 0)["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    sql(
        &app.database_url,
        &format!(
            r#"INSERT INTO jwks VALUES ('expiredexpiredexpiredexpiredexpi', '{RFC8032_PUBLIC}', '"x"', {}, {}, 'EdDSA', 'Ed25519')"#,
            app.at("1 minute"),
            app.at("-1 second")
        ),
    );
    assert_eq!(part(&token(&alice).await, 0)["kid"], old.as_str());
    sql(
        &app.database_url,
        &format!(
            r#"INSERT INTO jwks VALUES ('newestnewestnewestnewestnewestne', '{RFC8032_PUBLIC}', '"$ba$1${RFC8032_SEALED_OLD}"', {}, NULL, NULL, NULL)"#,
            app.at("2 minutes")
        ),
    );
    // Signing a legacy row (alg/crv NULL) with the old secret needs it configured: rotate.
    let app2 = app.sibling(rotated).await;
    let bob = app2.sign_up().await;
    assert_eq!(
        part(&token(&bob).await, 0)["kid"],
        "newestnewestnewestnewestnewestne"
    );
}

#[tokio::test]
async fn after_secret_rotation_old_cookies_and_old_keys_still_work_and_new_keys_use_the_new_version()
 {
    let db = fresh_database();
    let mut old = test_config(&db);
    old.secrets = vec![OLD.into()];
    let app1 = TestApp::start(old.clone()).await;
    let alice = app1.sign_up().await;
    let cookie_token = alice.token.as_str();
    let first = token(&alice).await;
    let private = query_text(&db, r#"SELECT "privateKey" AS value FROM jwks"#).unwrap();
    assert!(!private.contains("$ba$"), "a single secret writes bare hex");

    let mut new = old.clone();
    rotated(&mut new);
    let app2 = TestApp::start(new.clone()).await;
    let signed = better_auth_actix::auth::crypto::sign_value(&OLD.into(), cookie_token);
    let cookie = format!(
        "better-auth.session_token={}",
        better_auth_actix::auth::cookies::encode_uri_component(&signed)
    );
    let response = app2
        .request(Method::GET, "/api/auth/get-session")
        .header("cookie", &cookie)
        .fetch()
        .await;
    assert_eq!(response.status, 200);
    let jwt = response
        .header("set-auth-jwt")
        .expect("the old key still decrypts and signs");
    assert_eq!(part(&jwt, 0)["kid"], part(&first, 0)["kid"]);
    assert_eq!(response.json()["session"]["token"], cookie_token);

    // New keys are enveloped with the current version.
    sql(
        &db,
        &format!(r#"UPDATE jwks SET "expiresAt" = {}"#, at(&db, "-1 second")),
    );
    app2.request(Method::GET, "/api/auth/get-session")
        .header("cookie", &cookie)
        .fetch()
        .await;
    let newest = query_text(
        &db,
        r#"SELECT "privateKey" AS value FROM jwks ORDER BY "createdAt" DESC LIMIT 1"#,
    )
    .unwrap();
    assert!(newest.starts_with("\"$ba$2$"), "{newest}");

    // Better Auth's own way to read bare hex after rotation: the old secret as BETTER_AUTH_SECRET.
    sql(&db, r#"DELETE FROM jwks WHERE "privateKey" LIKE '"$ba$%'"#);
    sql(&db, r#"UPDATE jwks SET "expiresAt" = NULL"#);
    let mut legacy = old.clone();
    legacy.secrets = vec![NEW.into()];
    legacy.secret_versions = vec![2];
    legacy.legacy_secret = Some(OLD.into());
    let app3 = TestApp::start(legacy).await;
    let bob = app3.sign_up().await;
    assert_eq!(part(&token(&bob).await, 0)["kid"], part(&first, 0)["kid"]);
}

#[tokio::test]
async fn a_versioned_key_under_a_retired_secret_version_fails_with_500() {
    let app = TestApp::spawn_with(rotated).await;
    sql(
        &app.database_url,
        &format!(
            r#"INSERT INTO jwks VALUES ('retiredretiredretiredretiredreti', '{RFC8032_PUBLIC}', '"$ba$7${RFC8032_SEALED_OLD}"', {}, NULL, 'EdDSA', 'Ed25519')"#,
            app.now()
        ),
    );
    let alice = app.sign_up().await;
    assert_eq!(alice.get("/api/auth/token").await.status, 500);
    sql(
        &app.database_url,
        &format!(r#"UPDATE jwks SET "privateKey" = '"$ba$1${RFC8032_SEALED_OLD}"'"#),
    );
    assert_eq!(
        part(&token(&alice).await, 0)["kid"],
        "retiredretiredretiredretiredreti"
    );
}

#[tokio::test]
async fn issuer_audience_and_lifetime_follow_the_configuration() {
    let app = TestApp::spawn_with(|c| {
        c.jwt_issuer = Some("https://issuer.example".into());
        c.jwt_audience = Some("tasks-api".into());
        c.jwt.expires_in = Duration::from_secs(3600);
    })
    .await;
    let alice = app.sign_up().await;
    let jwt = token(&alice).await;
    let payload = part(&jwt, 1);
    assert_eq!(
        (payload["iss"].as_str(), payload["aud"].as_str()),
        (Some("https://issuer.example"), Some("tasks-api"))
    );
    assert_eq!(
        payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap(),
        3600
    );
    assert!(verify(&app, &app.config, &jwt).await.is_some());
    let mut default_audience = app.config.clone();
    default_audience.jwt_audience = None;
    assert!(
        verify(&app, &default_audience, &jwt).await.is_none(),
        "audience is checked"
    );
    let mut default_issuer = app.config.clone();
    default_issuer.jwt_issuer = None;
    assert!(
        verify(&app, &default_issuer, &jwt).await.is_none(),
        "issuer is checked"
    );
}

#[tokio::test]
async fn the_eddsa_verifier_rejects_tampered_expired_unknown_and_foreign_tokens() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let jwt = token(&alice).await;
    let claims = verify(&app, &app.config, &jwt).await.expect("valid");
    assert_eq!(claims.sub, alice.id);
    assert_eq!(claims.email, alice.email);

    let (head, rest) = jwt.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let forged = URL_SAFE_NO_PAD.encode(r#"{"sub":"someone-else","aud":"http://localhost:3000","iss":"http://localhost:3000","exp":9999999999}"#);
    assert!(
        verify(&app, &app.config, &format!("{head}.{forged}.{sig}"))
            .await
            .is_none()
    );
    assert!(verify(&app, &app.config, "not.a.jwt").await.is_none());

    let mut conn = crate::helpers::database::connect(&app.database_url).await;
    let key = keys::signing_key(&mut conn, &app.config).await.unwrap();
    let row: better_auth_actix::db::models::User = {
        use diesel::{QueryDsl as _, SelectableHelper as _};
        use diesel_async::RunQueryDsl as _;
        better_auth_actix::db_run!(&mut conn, c => {
            better_auth_actix::db::schema::user::table
                .select(better_auth_actix::db::models::User::as_select())
                .first(c)
                .await
                .unwrap()
        })
    };
    let expired = sign::Claims::new(
        &row,
        &app.config,
        chrono::Utc::now().timestamp() - 3600,
        false,
    );
    assert!(
        verify(&app, &app.config, &sign::sign_eddsa(&key, &expired))
            .await
            .is_none(),
        "expired"
    );
    let fresh = sign::Claims::new(&row, &app.config, chrono::Utc::now().timestamp(), false);
    assert!(
        verify(&app, &app.config, &sign::sign_eddsa(&key, &fresh))
            .await
            .is_some()
    );
    assert!(
        verify(&app, &app.config, &sign::sign_hs256(&app.config, &fresh))
            .await
            .is_none(),
        "HS256 is not EdDSA"
    );
    sql(&app.database_url, "DELETE FROM jwks");
    assert!(
        verify(&app, &app.config, &jwt).await.is_none(),
        "unknown kid"
    );
}

#[tokio::test]
async fn hs256_tokens_are_signed_with_the_current_secret_and_the_jwks_stays_empty() {
    let app = TestApp::spawn_with(|c| c.jwt.alg = JwtAlg::Hs256).await;
    assert_eq!(
        app.get("/api/auth/jwks").await.json().to_string(),
        r#"{"keys":[]}"#
    );
    assert_eq!(app.count("jwks"), 0, "HS256 mints no key");
    let alice = app.sign_up().await;
    let jwt = token(&alice).await;
    assert_eq!(part(&jwt, 0).to_string(), r#"{"alg":"HS256","typ":"JWT"}"#);
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["http://localhost:3000"]);
    validation.set_issuer(&["http://localhost:3000"]);
    let claims = jsonwebtoken::decode::<Value>(
        &jwt,
        &DecodingKey::from_secret(SECRET.as_bytes()),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(claims["sub"], alice.id.as_str());
    let response = alice.get("/api/auth/get-session").await;
    let header_jwt = response.header("set-auth-jwt").unwrap();
    assert_eq!(part(&header_jwt, 0)["alg"], "HS256");
    assert_eq!(app.count("jwks"), 0);
    // EdDSA keys that exist (e.g. minted by a Node Better Auth) are still published.
    sql(
        &app.database_url,
        &format!(
            r#"INSERT INTO jwks VALUES ('nodenodenodenodenodenodenodenode', '{RFC8032_PUBLIC}', '"x"', {}, NULL, 'EdDSA', 'Ed25519')"#,
            app.now()
        ),
    );
    assert_eq!(kids(&app).await, ["nodenodenodenodenodenodenodenode"]);
}

#[tokio::test]
async fn hs256_tokens_after_rotation_use_the_new_secret() {
    let app = TestApp::spawn_with(|c| {
        c.jwt.alg = JwtAlg::Hs256;
        rotated(c);
    })
    .await;
    let alice = app.sign_up().await;
    let jwt = token(&alice).await;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["http://localhost:3000"]);
    assert!(
        jsonwebtoken::decode::<Value>(&jwt, &DecodingKey::from_secret(NEW.as_bytes()), &validation)
            .is_ok()
    );
    assert!(
        jsonwebtoken::decode::<Value>(&jwt, &DecodingKey::from_secret(OLD.as_bytes()), &validation)
            .is_err()
    );
}

#[tokio::test]
async fn an_hs256_token_verifies_with_pyjwt() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let has_pyjwt = std::process::Command::new(&python)
        .args(["-c", "import jwt"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_pyjwt {
        eprintln!(
            "SKIPPED: {python} cannot import PyJWT (pip install pyjwt, or set PYTHON to a venv's python)"
        );
        return;
    }
    let app = TestApp::spawn_with(|c| c.jwt.alg = JwtAlg::Hs256).await;
    let alice = app.sign_up().await;
    let jwt = token(&alice).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/verify_hs256.py");
    let run = |secret: &str, audience: &str| {
        std::process::Command::new(&python)
            .args([script, &jwt, secret, "http://localhost:3000", audience])
            .output()
            .unwrap()
    };
    let out = run(SECRET, "http://localhost:3000");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let claims: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(claims["sub"], alice.id.as_str());
    assert_eq!(claims["email"], alice.email.as_str());
    assert!(
        !run(OLD, "http://localhost:3000").status.success(),
        "wrong secret"
    );
    assert!(
        !run(SECRET, "someone-else").status.success(),
        "wrong audience"
    );
}

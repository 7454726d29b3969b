//! The JWT plugin: `GET /api/auth/token`, `GET /api/auth/jwks`, `set-auth-jwt` on get-session,
//! keys stored in Better Auth's format, rotation, and independent verification of our tokens.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::Jwk};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::database::text;
use crate::helpers::snapshot::assert_json_shape;
use crate::helpers::{SECRET, TestApp, TestUser, jwt, query_text, sql};

/// RFC 8032 §7.1 test 1, as a private JWK encrypted (by `scripts/xchacha_decrypt.py`, an
/// independent implementation) under `SECRET` with a fixed nonce: a row as Better Auth writes it.
const RFC8032_PUBLIC: &str =
    r#"{"crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kty":"OKP"}"#;
const RFC8032_SEALED: &str = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b77f509143372ea01530d5b6ecbdb01c1ba195a96a746e1cd41a15fe5a5052672efe24449dde07c62e029bd73c0fe5f4e526299d6deba38a9e8ba469d7a65e9ee1c7007275eed8e7a8fb6e2aefbd8c5307b0a1441b6e32e509b6fec162b33a0ab7dd5428fc83a7e79d17e9f380584eb51b3ba725fc56bb3b7c95f11b68384b1ee5833e4c5707f41ebe2049b0d46a97b4b80e";

async fn jwks(app: &TestApp) -> Value {
    let response = app.get("/api/auth/jwks").await;
    assert_eq!(response.status, 200);
    response.json()
}

async fn token(user: &TestUser) -> String {
    let response = user.get("/api/auth/token").await;
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_json_shape!(body, @r#"
    {
      "token": "[jwt]"
    }
    "#);
    body["token"].as_str().unwrap().to_owned()
}

/// Verifies with the public JWK served by `/jwks`, through jsonwebtoken's own JWK import.
fn verify_with_jwks(token: &str, set: &Value) -> Value {
    let jwk = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == jwt::header(token)["kid"])
        .expect("kid in /jwks");
    let jwk: Jwk = serde_json::from_value(jwk.clone()).unwrap();
    let key = DecodingKey::from_jwk(&jwk).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&["http://localhost:3000"]);
    validation.set_audience(&["http://localhost:3000"]);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("verifies")
        .claims
}

fn insert_key(db: &str, id: &str, private: &str, created: &str, expires: &str) {
    sql(
        db,
        &format!(
            r#"INSERT INTO jwks (id, "publicKey", "privateKey", "createdAt", "expiresAt", alg, crv)
           VALUES ('{id}', '{RFC8032_PUBLIC}', '"{private}"', {created}, {expires}, 'EdDSA', 'Ed25519')"#
        ),
    );
}

#[tokio::test]
async fn get_session_with_a_session_sends_a_fresh_eddsa_jwt_in_set_auth_jwt() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up().await;
    let response = alice.get("/api/auth/get-session").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("access-control-expose-headers").as_deref(),
        Some("set-auth-jwt")
    );
    let token = response.header("set-auth-jwt").expect("set-auth-jwt");
    let payload = jwt::payload(&token);
    let kid =
        query_text(&app.database_url, "SELECT id AS value FROM jwks").expect("a key was minted");
    assert_eq!(
        jwt::header(&token).to_string(),
        format!(r#"{{"alg":"EdDSA","kid":"{kid}"}}"#)
    );
    assert_json_shape!(payload, @r#"
    {
      "iat": "[epoch]",
      "name": "User",
      "email": "[email]",
      "emailVerified": false,
      "image": null,
      "createdAt": "[date]",
      "updatedAt": "[date]",
      "id": "[id]",
      "sub": "[id]",
      "exp": "[epoch]",
      "iss": "http://localhost:3000",
      "aud": "http://localhost:3000"
    }
    "#);
    let user = &alice.signed_up["user"];
    for field in [
        "name",
        "email",
        "emailVerified",
        "image",
        "createdAt",
        "updatedAt",
        "id",
    ] {
        assert_eq!(payload[field], user[field], "{field}");
    }
    assert_eq!(payload["sub"], user["id"]);
    assert_eq!(
        payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap(),
        900
    );
    verify_with_jwks(&token, &jwks(&app).await);
}

#[tokio::test]
async fn get_session_without_a_session_sends_no_jwt() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/auth/get-session").await;
    assert_eq!(response.status, 200);
    assert!(response.header("set-auth-jwt").is_none());
    assert!(response.header("access-control-expose-headers").is_none());
    assert_eq!(response.text, "null");
}

#[tokio::test]
async fn token_without_a_session_returns_401() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/auth/token").await;
    assert_eq!(response.status, 401);
    assert_eq!(
        response.text,
        r#"{"message":"Unauthorized","code":"UNAUTHORIZED"}"#
    );
    let response = app
        .send(Method::GET, "/api/auth/token", "not-a-session-token", None)
        .await;
    assert_eq!(response.status, 401);
}

#[tokio::test]
async fn token_works_with_a_bearer_session_and_verifies_with_the_public_jwk() {
    let app = TestApp::spawn().await;
    let bob = app.sign_up().await;
    let response = app
        .send(Method::GET, "/api/auth/token", &bob.token, None)
        .await;
    assert_eq!(response.status, 200);
    let token = response.json()["token"].as_str().unwrap().to_owned();
    let claims = verify_with_jwks(&token, &jwks(&app).await);
    assert_eq!(claims["sub"], bob.id.as_str());
    assert_eq!(claims["email"], bob.email.as_str());
}

#[tokio::test]
async fn jwks_mints_one_key_on_an_empty_table_and_stores_it_as_better_auth_does() {
    let app = TestApp::spawn().await;
    let set = jwks(&app).await;
    assert_json_shape!(set, @r#"
    {
      "keys": [
        {
          "alg": "EdDSA",
          "crv": "Ed25519",
          "x": "[key]",
          "kty": "OKP",
          "kid": "[id]"
        }
      ]
    }
    "#);
    let served = &set["keys"][0];
    let db = &app.database_url;
    let row = |col: &str| query_text(db, &format!("SELECT {} AS value FROM jwks", text(col)));
    assert_eq!(row("id").as_deref(), served["kid"].as_str());
    assert_eq!(row("id").unwrap().len(), 32);
    let public = row(r#""publicKey""#).unwrap();
    assert_eq!(
        public,
        format!(
            r#"{{"crv":"Ed25519","x":"{}","kty":"OKP"}}"#,
            served["x"].as_str().unwrap()
        )
    );
    assert_eq!(
        (row("alg").as_deref(), row("crv").as_deref()),
        (Some("EdDSA"), Some("Ed25519"))
    );
    assert_eq!(row(r#""expiresAt""#), None);
    // JSON-quoted lowercase hex: 24-byte nonce + the private JWK + 16-byte tag.
    let private = row(r#""privateKey""#).unwrap();
    let hex = private
        .strip_prefix('"')
        .and_then(|p| p.strip_suffix('"'))
        .expect("JSON-quoted");
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    let jwk_len = r#"{"crv":"Ed25519","d":"","x":"","kty":"OKP"}"#.len() + 43 + 43;
    assert_eq!(hex.len(), 2 * (24 + jwk_len + 16));
    // A second call reuses it.
    assert_eq!(jwks(&app).await, set);
}

#[tokio::test]
async fn a_key_decrypted_by_an_independent_implementation_is_the_one_we_sign_with() {
    let app = TestApp::spawn().await;
    jwks(&app).await;
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let has_crypto = std::process::Command::new(&python)
        .args(["-c", "import cryptography"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_crypto {
        eprintln!(
            "SKIPPED: {python} with the `cryptography` package is not available (pip install cryptography)"
        );
        return;
    }
    let private = query_text(
        &app.database_url,
        r#"SELECT "privateKey" AS value FROM jwks"#,
    )
    .unwrap();
    let sealed: String = serde_json::from_str(&private).unwrap();
    let out = std::process::Command::new(&python)
        .args([
            concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/xchacha_decrypt.py"),
            "decrypt",
            SECRET,
            &sealed,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let jwk: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_json_shape!(jwk, @r#"
    {
      "crv": "Ed25519",
      "d": "[key]",
      "x": "[key]",
      "kty": "OKP"
    }
    "#);
    assert_eq!(jwk["x"], jwks(&app).await["keys"][0]["x"]);
}

#[tokio::test]
async fn a_key_row_in_better_auths_exact_format_is_decrypted_and_used() {
    let app = TestApp::spawn().await;
    insert_key(
        &app.database_url,
        "rfc8032rfc8032rfc8032rfc8032rfc8",
        RFC8032_SEALED,
        &app.now(),
        "NULL",
    );
    let carol = app.sign_up().await;
    let token = token(&carol).await;
    assert_eq!(
        jwt::header(&token)["kid"],
        "rfc8032rfc8032rfc8032rfc8032rfc8"
    );
    // The RFC's public key verifies the signature.
    let key =
        DecodingKey::from_ed_components("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["http://localhost:3000"]);
    jsonwebtoken::decode::<Value>(&token, &key, &validation).expect("signed with the RFC 8032 key");
    assert_eq!(app.count("jwks"), 1);
}

#[tokio::test]
async fn a_key_encrypted_under_another_secret_fails_with_500() {
    let app = TestApp::spawn().await;
    let other = RFC8032_SEALED.replacen("7f50", "7f51", 1);
    insert_key(
        &app.database_url,
        "tamperedtamperedtamperedtampered",
        &other,
        &app.now(),
        "NULL",
    );
    let dan = app.sign_up().await;
    let response = dan.get("/api/auth/token").await;
    assert_eq!(response.status, 500);
    assert_eq!(
        response.text,
        r#"{"message":"Internal Server Error","code":"INTERNAL_SERVER_ERROR"}"#
    );
}

#[tokio::test]
async fn concurrent_first_requests_mint_exactly_one_key() {
    let app = TestApp::spawn().await;
    let requests = (0..12).map(|_| app.get("/api/auth/jwks"));
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.status, 200);
    }
    assert_eq!(app.count("jwks"), 1);
}

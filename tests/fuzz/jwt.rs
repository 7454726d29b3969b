//! Target `jwt`: the bearer JWT decoder: `looks_like_jwt`, HS256 with the shared secret
//! (`verify_hs256`) and EdDSA against a stored public JWK (`decode_eddsa`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use better_auth_actix::auth::jwt::bearer::{Claims, JwtPolicy, looks_like_jwt, verify_hs256};
use better_auth_actix::auth::jwt::verify::decode_eddsa;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use jsonwebtoken::Algorithm;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::{self, OTHER_SECRET, SECRET, hmac, other_secret, secret};

const ISS: &str = "http://localhost:3000";
/// The Ed25519 key of the corpus's EdDSA seeds (its private seed is 32 bytes of 7).
const SEED_KEY: [u8; 32] = [7; 32];
/// Far in the future (2100-01-01), so that corpus seeds stay valid.
const FAR: i64 = 4_102_444_800;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `b64(header).b64(claims).b64(sign(signing input))`.
fn compact(header: &Value, claims: &Value, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = sign(input.as_bytes());
    format!("{input}.{}", b64(&signature))
}

fn hs256(secret: &str, claims: &Value) -> String {
    compact(&json!({"alg": "HS256", "typ": "JWT"}), claims, |m| {
        hmac(secret, m)
    })
}

/// A token signed by jsonwebtoken itself with the shared secret (HS384, HS512).
fn hmac_sha2(alg: Algorithm, claims: &Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::new(alg), claims, &key).unwrap()
}

/// Every `alg` but HS256, and near misses of it.
const OTHER_ALGS: &[&str] = &[
    "none", "None", "HS384", "HS512", "RS256", "ES256", "PS256", "EdDSA", "hs256", "HS256 ", "",
];

fn eddsa(key: &SigningKey, claims: &Value) -> String {
    compact(&json!({"alg": "EdDSA", "kid": "k1"}), claims, |m| {
        key.sign(m).to_bytes().to_vec()
    })
}

fn public_jwk(key: &SigningKey) -> String {
    json!({"crv": "Ed25519", "x": b64(key.verifying_key().as_bytes()), "kty": "OKP"}).to_string()
}

fn claims(sub: &str) -> Value {
    json!({"sub": sub, "exp": FAR, "iat": 1, "iss": ISS, "aud": ISS})
}

/// The parts of a compact JWS and its header's `alg`, read independently of jsonwebtoken.
fn parts(token: &str) -> Option<(&str, Vec<u8>, String)> {
    let (input, sig) = token.rsplit_once('.')?;
    let header = URL_SAFE_NO_PAD.decode(input.split('.').next()?).ok()?;
    let header: Value = serde_json::from_slice(&header).ok()?;
    let alg = header.get("alg")?.as_str()?.to_owned();
    Some((input, URL_SAFE_NO_PAD.decode(sig).ok()?, alg))
}

/// Accepted HS256 tokens must carry the true HMAC of their signing input; EdDSA ones a valid
/// signature by the key.
fn check_token(token: &str, key: &SigningKey) -> Result<(), TestCaseError> {
    let _ = looks_like_jwt(token);
    let _ = jsonwebtoken::decode_header(token);
    if let Some(c) = verify_hs256(token, &[secret()], &JwtPolicy::default()) {
        let genuine = parts(token).is_some_and(|(input, sig, alg)| {
            alg == "HS256" && hmac(SECRET, input.as_bytes()) == sig
        });
        prop_assert!(genuine, "accepted a forged HS256 token {token:?} for {c:?}");
        prop_assert!(c.exp > chrono::Utc::now().timestamp() - 120);
    }
    if let Some(c) = decode_eddsa::<Claims>(token, &public_jwk(key), ISS, ISS) {
        let genuine = parts(token).is_some_and(|(input, sig, alg)| {
            let sig = ed25519_dalek::Signature::from_slice(&sig);
            alg == "EdDSA"
                && sig.is_ok_and(|s| key.verifying_key().verify(input.as_bytes(), &s).is_ok())
        });
        prop_assert!(genuine, "accepted a forged EdDSA token {token:?} for {c:?}");
    }
    Ok(())
}

fn flip(token: &str, at: prop::sample::Index, bit: u8) -> Option<String> {
    let mut bytes = token.as_bytes().to_vec();
    let i = at.index(bytes.len());
    bytes[i] ^= 1 << bit;
    String::from_utf8(bytes).ok()
}

#[test]
fn every_seed_replays_without_accepting_a_forgery() {
    let key = SigningKey::from_bytes(&SEED_KEY);
    for (name, bytes) in support::corpus("jwt") {
        let token = String::from_utf8_lossy(&bytes);
        check_token(token.trim_end(), &key).unwrap_or_else(|e| panic!("seed {name}: {e}"));
    }
}

#[test]
fn only_the_genuine_seeds_verify() {
    // Signed with the right key and alg, unexpired, with `sub` (extra members are allowed).
    const GENUINE: &[&str] = &[
        "hs256-valid.txt",
        "hs256-nested-payload.txt",
        "huge-header.txt",
        "jku-crit.txt",
        "eddsa-valid.txt",
        // The kid only selects the row (a bound parameter); the signature is the key's.
        "kid-traversal.txt",
    ];
    let key = SigningKey::from_bytes(&SEED_KEY);
    let jwk = public_jwk(&key);
    let wrong: Vec<String> = support::corpus("jwt")
        .into_iter()
        .filter_map(|(name, bytes)| {
            let token = String::from_utf8_lossy(&bytes);
            let hs = verify_hs256(&token, &[secret()], &JwtPolicy::default()).map(|c| c.sub);
            let ed = decode_eddsa::<Claims>(&token, &jwk, ISS, ISS).map(|c| c.sub);
            let expected = GENUINE.contains(&name.as_str()).then(|| "u1".to_owned());
            (hs.or(ed) != expected).then_some(name)
        })
        .collect();
    assert!(wrong.is_empty(), "unexpected outcome for {wrong:?}");
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn arbitrary_tokens_never_panic_or_verify_a_forgery(token in support::text("jwt")) {
        check_token(&token, &SigningKey::from_bytes(&SEED_KEY))?;
    }

    #[test]
    fn an_hs256_token_verifies_only_unmodified_and_with_its_secret(
        sub in "[A-Za-z0-9]{1,32}", at in any::<prop::sample::Index>(), bit in 0u8..8,
    ) {
        let token = hs256(SECRET, &claims(&sub));
        let policy = JwtPolicy::default();
        let ok = verify_hs256(&token, &[other_secret(), secret()], &policy);
        prop_assert_eq!(ok.map(|c| c.sub), Some(sub));
        prop_assert_eq!(verify_hs256(&token, &[other_secret()], &policy), None);
        prop_assert_eq!(verify_hs256(&hs256(OTHER_SECRET, &claims("u")), &[secret()], &policy), None);
        if let Some(flipped) = flip(&token, at, bit) {
            prop_assert_eq!(verify_hs256(&flipped, &[secret()], &policy), None, "{}", flipped);
        }
    }

    #[test]
    fn another_alg_or_an_altered_payload_never_verifies(
        alg in prop::sample::select(OTHER_ALGS),
        sub in "[A-Za-z0-9]{1,32}",
        forged_sub in "[A-Za-z0-9]{1,32}",
    ) {
        let token = hs256(SECRET, &claims(&sub));
        let [header, payload, sig]: [&str; 3] = token.split('.').collect::<Vec<_>>().try_into().unwrap();
        // The same claims under another `alg`: unsigned, with the HS256 signature, re-signed with
        // HMAC-SHA256, and properly signed with HMAC-SHA384/512.
        let other = b64(json!({"alg": alg, "typ": "JWT"}).to_string().as_bytes());
        let resigned = b64(&hmac(SECRET, format!("{other}.{payload}").as_bytes()));
        let mut forgeries = vec![
            format!("{other}.{payload}."),
            format!("{other}.{payload}.{sig}"),
            format!("{other}.{payload}.{resigned}"),
            hmac_sha2(Algorithm::HS384, &claims(&sub)),
            hmac_sha2(Algorithm::HS512, &claims(&sub)),
        ];
        if forged_sub != sub {
            let forged = b64(claims(&forged_sub).to_string().as_bytes());
            forgeries.push(format!("{header}.{forged}.{sig}"));
        }
        for forgery in forgeries {
            let verified = verify_hs256(&forgery, &[secret()], &JwtPolicy::default());
            prop_assert_eq!(verified, None, "{}", forgery);
        }
    }

    #[test]
    fn expired_unsubjected_or_premature_tokens_are_rejected(sub in "[a-z]{1,8}", age in 121i64..100_000_000) {
        let now = chrono::Utc::now().timestamp();
        let policy = JwtPolicy::default();
        for claims in [
            json!({"sub": sub, "exp": now - age}),
            json!({"sub": sub}),
            json!({"exp": FAR}),
            json!({"sub": sub, "exp": FAR.to_string()}),
            json!({"sub": sub, "exp": FAR, "nbf": now + age}),
        ] {
            prop_assert_eq!(verify_hs256(&hs256(SECRET, &claims), &[secret()], &policy), None, "{}", claims);
        }
    }

    #[test]
    fn an_eddsa_token_verifies_only_unmodified_with_its_key(
        seed in any::<[u8; 32]>(), other in any::<[u8; 32]>(), sub in "[A-Za-z0-9]{1,32}",
        at in any::<prop::sample::Index>(), bit in 0u8..8,
    ) {
        if seed == other {
            return Ok(());
        }
        let key = SigningKey::from_bytes(&seed);
        let jwk = public_jwk(&key);
        let token = eddsa(&key, &claims(&sub));
        prop_assert_eq!(decode_eddsa::<Claims>(&token, &jwk, ISS, ISS).map(|c| c.sub), Some(sub));
        let other_jwk = public_jwk(&SigningKey::from_bytes(&other));
        prop_assert_eq!(decode_eddsa::<Claims>(&token, &other_jwk, ISS, ISS), None);
        prop_assert_eq!(decode_eddsa::<Claims>(&token, &jwk, "https://evil.example", ISS), None);
        if let Some(flipped) = flip(&token, at, bit) {
            prop_assert_eq!(decode_eddsa::<Claims>(&flipped, &jwk, ISS, ISS), None, "{}", flipped);
        }
        // Algorithm confusion: the public key used as an HMAC secret, or the shared secret
        // behind an EdDSA header, verifies on neither path.
        let x = b64(key.verifying_key().as_bytes());
        for (header, secret_text) in [("HS256", x.as_str()), ("EdDSA", SECRET)] {
            let header = json!({"alg": header, "kid": "k1"});
            let forged = compact(&header, &claims("admin"), |m| hmac(secret_text, m));
            prop_assert_eq!(decode_eddsa::<Claims>(&forged, &jwk, ISS, ISS), None);
            if header == "EdDSA" {
                prop_assert_eq!(verify_hs256(&forged, &[secret()], &JwtPolicy::default()), None);
            }
        }
    }
}

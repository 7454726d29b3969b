//! Target `bearer`: the `Authorization` header of the bearer plugin (`bearer_credential`): a raw
//! session token, or `token.sig` whose signature may be in any base64 dialect.

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use better_auth_actix::auth::cookies::encode_uri_component;
use better_auth_actix::auth::crypto::sign_value;
use better_auth_actix::routes::auth::bearer_credential;
use percent_encoding::percent_decode_str;
use proptest::prelude::*;

use crate::support::{self, OTHER_SECRET, SECRET, genuinely_signed, hmac, other_secret, secret};

/// What a header may yield: nothing, the raw credential itself (a token without a dot, which the
/// session lookup decides on), or a value genuinely signed with the secret.
fn check_header(auth: &str) -> Result<(), TestCaseError> {
    let Some(token) = bearer_credential(auth, &[secret()]) else {
        return Ok(());
    };
    let credential = auth[7..].trim();
    if !credential.contains('.') {
        prop_assert_eq!(token, credential);
        return Ok(());
    }
    let decoded = percent_decode_str(credential).decode_utf8_lossy();
    let decoded = if credential.contains('%') {
        decoded.as_ref()
    } else {
        credential
    };
    prop_assert!(
        genuinely_signed(decoded, &token, &[SECRET]),
        "accepted a forged bearer {auth:?} as {token:?}"
    );
    prop_assert_eq!(bearer_credential(auth, &[other_secret()]), None);
    Ok(())
}

#[test]
fn every_seed_replays_without_accepting_a_forgery() {
    for (name, bytes) in support::corpus("bearer") {
        let header = String::from_utf8_lossy(&bytes);
        check_header(&header).unwrap_or_else(|e| panic!("seed {name}: {e}"));
    }
}

#[test]
fn named_seeds_verify_or_not() {
    const TOKEN: &str = "ajtbBAnifMnyOz0PiNxG2J7dfp3heGaF";
    let expected = [
        ("raw-token.txt", Some(TOKEN)),
        ("signed.txt", Some(TOKEN)),
        ("signed-encoded.txt", Some(TOKEN)),
        ("signed-urlsafe.txt", Some(TOKEN)),
        ("signed-unpadded.txt", Some(TOKEN)),
        ("lowercase-scheme.txt", Some(TOKEN)),
        ("uppercase-scheme.txt", Some(TOKEN)),
        ("other-secret.txt", None),
        ("truncated-signature.txt", None),
        ("forged-value.txt", None),
        ("jwt-shaped.txt", None),
        ("basic.txt", None),
        ("scheme-only.txt", None),
        ("no-space.txt", None),
        ("tab.txt", None),
        ("non-ascii-scheme.txt", None),
        ("nul.txt", None),
    ];
    let seeds = support::corpus("bearer");
    for (name, token) in expected {
        let (_, bytes) = seeds.iter().find(|(n, _)| n == name).expect(name);
        let got = bearer_credential(&String::from_utf8_lossy(bytes), &[secret()]);
        assert_eq!(got.as_deref(), token, "{name}");
    }
}

#[test]
fn a_non_ascii_scheme_is_no_bearer_and_no_panic() {
    // Slicing `auth[..7]` panicked on these before `bearer_credential` used `get`.
    for auth in [
        "Beareré token",
        "Bearer\u{e9}x.y",
        "é",
        "\u{1d54f}\u{1d54f}abc.def",
    ] {
        assert_eq!(bearer_credential(auth, &[secret()]), None, "{auth}");
    }
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn arbitrary_authorization_headers_never_panic_or_verify_a_forgery(auth in support::text("bearer")) {
        check_header(&auth)?;
    }

    #[test]
    fn a_signed_token_verifies_in_every_dialect(
        token in "[A-Za-z0-9]{32}",
        scheme in "(?i:bearer) ",
        pad in "[ \t]{0,3}",
    ) {
        let signed = sign_value(&secret(), &token);
        let mac = hmac(SECRET, token.as_bytes());
        let dialects = [
            signed.clone(),
            encode_uri_component(&signed),
            format!("{token}.{}", URL_SAFE.encode(&mac)),
            format!("{token}.{}", URL_SAFE_NO_PAD.encode(&mac)),
        ];
        for credential in dialects {
            let auth = format!("{scheme}{pad}{credential}{pad}");
            prop_assert_eq!(bearer_credential(&auth, &[secret()]), Some(token.clone()), "{}", auth);
            prop_assert_eq!(bearer_credential(&auth, &[other_secret(), secret()]), Some(token.clone()));
            prop_assert_eq!(bearer_credential(&auth, &[other_secret()]), None);
        }
    }

    #[test]
    fn a_token_signed_with_another_secret_is_rejected(token in "[A-Za-z0-9]{1,40}") {
        let auth = format!("Bearer {}", sign_value(&OTHER_SECRET.into(), &token));
        prop_assert_eq!(bearer_credential(&auth, &[secret()]), None);
    }

    #[test]
    fn one_changed_byte_never_verifies_another_value(
        token in "[A-Za-z0-9]{32}",
        at in any::<prop::sample::Index>(),
        byte in 0x21u8..0x7f,
    ) {
        let credential = encode_uri_component(&sign_value(&secret(), &token));
        let mut edited = credential.clone().into_bytes();
        let i = at.index(edited.len());
        support::change_byte(&mut edited, i, byte);
        let edited = String::from_utf8(edited).unwrap();
        match bearer_credential(&format!("Bearer {edited}"), &[secret()]) {
            None => {}
            // Removing the dot leaves a raw token, which is looked up as it is.
            Some(v) if !edited.contains('.') => prop_assert_eq!(v, edited),
            Some(v) => prop_assert_eq!(v, token, "{} verified", edited),
        }
    }

    #[test]
    fn a_truncated_signature_is_rejected(token in "[A-Za-z0-9]{32}", keep in 0usize..32) {
        let mac = hmac(SECRET, token.as_bytes());
        let auth = format!("Bearer {token}.{}", URL_SAFE_NO_PAD.encode(&mac[..keep]));
        prop_assert_eq!(bearer_credential(&auth, &[secret()]), None);
    }
}

//! Target `cookies`: the `Cookie` header (`find_cookie`) and signed-cookie verification
//! (`read_signed`, strict: 44 characters of padded base64).

use better_auth_actix::auth::cookies::{
    CookieNames, encode_uri_component, find_cookie, read_signed,
};
use better_auth_actix::auth::crypto::sign_value;
use percent_encoding::percent_decode_str;
use proptest::prelude::*;

use crate::support::{self, OTHER_SECRET, SECRET, genuinely_signed, other_secret, secret};

const NAME: &str = "better-auth.session_token";

/// Looks up the session cookie and checks that whatever verifies is genuinely signed.
fn check_header(header: &str) -> Result<(), TestCaseError> {
    let Some(raw) = find_cookie(header, NAME) else {
        return Ok(());
    };
    prop_assert!(header.contains(raw) && !raw.contains(';'));
    let Some(value) = read_signed(raw, &[secret()]) else {
        return Ok(());
    };
    let decoded = if raw.contains('%') {
        percent_decode_str(raw).decode_utf8_lossy().into_owned()
    } else {
        raw.to_owned()
    };
    prop_assert!(
        genuinely_signed(&decoded, &value, &[SECRET]),
        "accepted a forged cookie {raw:?} as {value:?}"
    );
    prop_assert_eq!(read_signed(raw, &[other_secret()]), None);
    Ok(())
}

/// A cookie value as `Set-Cookie` carries it: signed, then `encodeURIComponent`-ed.
fn cookie_value(secret: &str, value: &str) -> String {
    let set_cookie = CookieNames::new(false).set(NAME, &sign_value(&secret.into(), value), None);
    let pair = set_cookie.split(';').next().unwrap();
    pair[NAME.len() + 1..].to_owned()
}

#[test]
fn every_seed_replays_without_accepting_a_forgery() {
    for (name, bytes) in support::corpus("cookies") {
        let header = String::from_utf8_lossy(&bytes);
        check_header(&header).unwrap_or_else(|e| panic!("seed {name}: {e}"));
    }
}

#[test]
fn named_seeds_verify_or_not_as_better_call_would() {
    const TOKEN: &str = "ajtbBAnifMnyOz0PiNxG2J7dfp3heGaF";
    let expected = [
        ("contract.txt", Some(TOKEN)),
        ("plain-signature.txt", Some(TOKEN)),
        ("spaces.txt", Some(TOKEN)),
        ("many-cookies.txt", Some(TOKEN)),
        ("dotted-value.txt", Some("a.b.c")),
        ("nul-value.txt", Some("a\0b")),
        ("other-secret.txt", None),
        ("forged-value.txt", None),
        ("overlong-signature.txt", None),
        ("unpadded-signature.txt", None),
        ("double-encoded.txt", None),
        ("raw-nul.txt", None),
        ("duplicates.txt", None),
    ];
    let seeds = support::corpus("cookies");
    for (name, value) in expected {
        let (_, bytes) = seeds.iter().find(|(n, _)| n == name).expect(name);
        let header = String::from_utf8_lossy(bytes);
        let got = find_cookie(&header, NAME).and_then(|raw| read_signed(raw, &[secret()]));
        assert_eq!(got.as_deref(), value, "{name}");
    }
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn arbitrary_cookie_headers_never_panic_or_verify_a_forgery(header in support::text("cookies")) {
        check_header(&header)?;
    }

    #[test]
    fn a_signed_cookie_round_trips_through_set_cookie_and_cookie(
        value in any::<String>(),
        noise in "[a-z]{1,8}=[^;]{0,16}",
    ) {
        let header = format!("{noise}; {NAME}={}; other=1", cookie_value(SECRET, &value));
        let raw = find_cookie(&header, NAME).unwrap();
        prop_assert_eq!(read_signed(raw, &[secret()]), Some(value.clone()));
        // Rotation: an older secret still verifies, a foreign one never does.
        prop_assert_eq!(read_signed(raw, &[other_secret(), secret()]), Some(value));
        prop_assert_eq!(read_signed(raw, &[other_secret()]), None);
    }

    #[test]
    fn a_cookie_signed_with_another_secret_is_rejected(value in any::<String>()) {
        let raw = cookie_value(OTHER_SECRET, &value);
        prop_assert_eq!(read_signed(&raw, &[secret()]), None);
    }

    #[test]
    fn one_changed_byte_or_a_truncation_never_verifies_another_value(
        value in "[A-Za-z0-9]{1,40}",
        at in any::<prop::sample::Index>(),
        byte in 0x20u8..0x7f,
        truncate in any::<bool>(),
    ) {
        let raw = cookie_value(SECRET, &value);
        let i = at.index(raw.len());
        let mut edited = raw.clone().into_bytes();
        if truncate {
            edited.truncate(i);
        } else {
            support::change_byte(&mut edited, i, byte);
        }
        let edited = String::from_utf8(edited).unwrap();
        // Only another spelling of the same signature (`%2b` for `%2B`) may still verify.
        match read_signed(&edited, &[secret()]) {
            None => {}
            Some(v) => prop_assert_eq!(v, value, "{} verified", edited),
        }
    }

    #[test]
    fn a_genuine_signature_never_vouches_for_another_value(
        value in any::<String>(),
        forged in any::<String>(),
    ) {
        if value == forged {
            return Ok(());
        }
        let signed = sign_value(&secret(), &value);
        let signature = signed.rsplit_once('.').unwrap().1;
        for raw in [format!("{forged}.{signature}"), encode_uri_component(&format!("{forged}.{signature}"))] {
            // `forged` may percent-decode to `value` itself (`%61` for `a`): that is no forgery.
            let got = read_signed(&raw, &[secret()]);
            prop_assert!(got.is_none() || got == Some(value.clone()), "{} verified as {:?}", raw, got);
        }
    }

    #[test]
    fn unpadded_overlong_or_truncated_signatures_are_rejected(
        value in "[A-Za-z0-9]{1,40}",
        extra in "[A-Za-z0-9+/]{1,8}",
    ) {
        let signed = sign_value(&secret(), &value);
        let (_, signature) = signed.rsplit_once('.').unwrap();
        let unpadded = signature.trim_end_matches('=');
        // A signature of the right length whose last bytes are wrong (never the genuine tail).
        let tail = if signature.ends_with("AAA=") { "BAA=" } else { "AAA=" };
        let wrong_tail = format!("{}{tail}", &signature[..40]);
        let overlong = [format!("{signature}{extra}"), format!("{unpadded}{extra}=")];
        for sig in [unpadded.to_owned(), wrong_tail].into_iter().chain(overlong) {
            prop_assert_eq!(read_signed(&format!("{value}.{sig}"), &[secret()]), None, "{}", sig);
        }
    }
}

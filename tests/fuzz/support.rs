//! What every target shares: its seed corpus, a mutator biased by it, the case budget, and an
//! independent HMAC oracle for "never accepts a forged value".

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit as _, Mac as _};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::Config;
use secrecy::SecretString;
use sha2::Sha256;

/// The secret every seed in `tests/fuzz-corpus` is signed with (also the unit tests').
pub const SECRET: &str = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
/// A secret that signed nothing the targets should accept.
pub const OTHER_SECRET: &str = "another-secret-0123456789-abcdefghijklmnopqrs";

pub fn secret() -> SecretString {
    SECRET.into()
}

pub fn other_secret() -> SecretString {
    OTHER_SECRET.into()
}

/// The case budget: `PROPTEST_CASES` (proptest's own variable), else 512 per property.
pub fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    Config {
        cases,
        // Shrinking a byte soup is slow in a debug build; a failure is reported as found.
        max_shrink_iters: 256,
        // The corpus is the regression store: a failing input is added there as a seed.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Every file of `tests/fuzz-corpus/<target>/`, sorted by name. An empty corpus is a mistake.
pub fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fuzz-corpus", target]
        .iter()
        .collect();
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a readable corpus entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("a readable seed"))
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// Fragments that tend to break parsers; insertions draw from them.
const DICTIONARY: &[&[u8]] = &[
    b"\0",
    b"%00",
    b"%",
    b"%2",
    b"%FF",
    b"%C3%28",
    b"\xff",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"=",
    b"==",
    b";",
    b".",
    b"..",
    b"&",
    b"+",
    b"-",
    b"_",
    b"/",
    b"\"",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b" ",
    b"\t",
    b"\r\n",
    b"\\u0000",
    b"\\ud800",
    b"null",
    b"true",
    b"[]",
    b"{}",
    b"-1",
    b"0",
    b"1e999",
    b"99999999999999999999999999",
    b"9223372036854775808",
    "é".as_bytes(),
    "\u{1d54f}".as_bytes(),
    "\u{202e}".as_bytes(),
    "\u{feff}".as_bytes(),
    b"eyJhbGciOiJub25lIn0",
];

/// One edit of a seed; positions scale to its length.
#[derive(Debug, Clone)]
enum Edit {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Insert(Index, Vec<u8>),
    InsertToken(Index, Index),
    Delete(Index, usize),
    Truncate(Index),
    Repeat(Index, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Edit::FlipBit(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::SetByte(i, b)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Edit::InsertToken(i, t)),
        (any::<Index>(), 1usize..16).prop_map(|(i, n)| Edit::Delete(i, n)),
        any::<Index>().prop_map(Edit::Truncate),
        (any::<Index>(), 1usize..32, 1usize..64).prop_map(|(i, n, k)| Edit::Repeat(i, n, k)),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let at = |i: &Index, len: usize| if len == 0 { 0 } else { i.index(len + 1) };
    match edit {
        Edit::FlipBit(i, bit) if !bytes.is_empty() => {
            let i = i.index(bytes.len());
            bytes[i] ^= 1 << bit;
        }
        Edit::SetByte(i, b) if !bytes.is_empty() => {
            let i = i.index(bytes.len());
            bytes[i] = *b;
        }
        Edit::Insert(i, new) => {
            let i = at(i, bytes.len());
            bytes.splice(i..i, new.iter().copied());
        }
        Edit::InsertToken(i, t) => {
            let i = at(i, bytes.len());
            bytes.splice(i..i, t.get(DICTIONARY).iter().copied());
        }
        Edit::Delete(i, n) => {
            let i = at(i, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Edit::Truncate(i) => bytes.truncate(at(i, bytes.len())),
        Edit::Repeat(i, n, times) => {
            let i = at(i, bytes.len());
            let end = (i + n).min(bytes.len());
            let chunk = bytes[i..end].to_vec();
            for _ in 0..*times {
                bytes.splice(end..end, chunk.iter().copied());
            }
        }
        Edit::FlipBit(..) | Edit::SetByte(..) => {}
    }
}

/// Raw input for a target: mostly its seeds with one to four edits, sometimes a seed as is,
/// sometimes dictionary fragments or plain random bytes.
pub fn input(target: &str) -> impl Strategy<Value = Vec<u8>> + use<> {
    let seeds: Vec<Vec<u8>> = corpus(target).into_iter().map(|(_, b)| b).collect();
    let mutated = (select(seeds.clone()), prop::collection::vec(edit(), 1..5)).prop_map(
        |(mut bytes, edits)| {
            edits.iter().for_each(|e| apply(&mut bytes, e));
            bytes
        },
    );
    let tokens = prop::collection::vec(select(DICTIONARY), 0..24).prop_map(|t| t.concat());
    prop_oneof![
        6 => mutated,
        1 => select(seeds),
        1 => tokens,
        2 => prop::collection::vec(any::<u8>(), 0..256),
    ]
}

/// [`input`] as text, invalid UTF-8 replaced (headers and query strings reach the parsers as `&str`).
pub fn text(target: &str) -> impl Strategy<Value = String> + use<> {
    input(target).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Sets `bytes[i]` to `byte`, or to the next printable ASCII character when that would change
/// nothing (rejecting such cases instead runs into proptest's reject limit at high case counts).
pub fn change_byte(bytes: &mut [u8], i: usize, byte: u8) {
    bytes[i] = match byte {
        b if b != bytes[i] => b,
        b'~' => b'!',
        b => b + 1,
    };
}

/// HMAC-SHA256, computed here independently of the server's code.
pub fn hmac(secret: &str, message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// Whether `signed` is `value.<base64 of HMAC(secret, value)>` in any base64 dialect: the only
/// shape a verifier may accept for `value`.
pub fn genuinely_signed(signed: &str, value: &str, secrets: &[&str]) -> bool {
    let Some(sig) = signed
        .strip_prefix(value)
        .and_then(|rest| rest.strip_prefix('.'))
    else {
        return false;
    };
    let Some(bytes) = [&STANDARD, &URL_SAFE, &URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(sig).ok())
    else {
        return false;
    };
    secrets
        .iter()
        .any(|secret| hmac(secret, value.as_bytes()) == bytes)
}

/// An error's status and its wire envelope, which must be `{"message": <string>, "code"?: <string>, ...}`.
pub fn envelope(error: &better_auth_actix::error::ApiError) -> (u16, serde_json::Value) {
    use actix_web::ResponseError as _;
    use actix_web::body::MessageBody as _;
    let response = error.error_response();
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .try_into_bytes()
        .unwrap_or_else(|_| panic!("a streamed error body for {error:?}"));
    let body: serde_json::Value = serde_json::from_slice(&bytes).expect("a JSON error body");
    assert!(body["message"].is_string(), "no message in {body}");
    assert!(
        body.get("code").is_none_or(serde_json::Value::is_string),
        "{body}"
    );
    (status, body)
}

/// Arbitrary JSON, biased towards the members the parsers look at.
pub fn json(keys: &'static [&'static str]) -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "(a@b\\.co|x|[^@]{0,4}@[a-z]{1,3}\\.[a-z]{1,3}|\\PC{0,12}|[ \\t\\x00]{0,3})"
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 8, move |inner| {
        let key = prop_oneof![3 => select(keys).prop_map(str::to_owned), 1 => any::<String>()];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..8)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

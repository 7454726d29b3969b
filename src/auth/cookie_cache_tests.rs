//! Test vectors of cookie-cache-and-secondary-storage.md §1.4–1.6, made by Better Auth 1.7.25.

use chrono::TimeZone as _;

use super::*;

const S: &str = "conformance-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
const P: &str = r#"{"session":{"expiresAt":"2026-01-08T00:00:00.000Z","token":"TOKEN0123456789abcdefghijklmnopq","createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z","ipAddress":"","userAgent":"","userId":"USER0123456789abcdefghijklmnopqr","id":"SESS0123456789abcdefghijklmnopqr"},"user":{"name":"Alice","email":"alice@example.com","emailVerified":false,"image":null,"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z","id":"USER0123456789abcdefghijklmnopqr"},"updatedAt":1767225600000,"version":"1"}"#;
const COMPACT: &str = "eyJzZXNzaW9uIjp7InNlc3Npb24iOnsiZXhwaXJlc0F0IjoiMjAyNi0wMS0wOFQwMDowMDowMC4wMDBaIiwidG9rZW4iOiJUT0tFTjAxMjM0NTY3ODlhYmNkZWZnaGlqa2xtbm9wcSIsImNyZWF0ZWRBdCI6IjIwMjYtMDEtMDFUMDA6MDA6MDAuMDAwWiIsInVwZGF0ZWRBdCI6IjIwMjYtMDEtMDFUMDA6MDA6MDAuMDAwWiIsImlwQWRkcmVzcyI6IiIsInVzZXJBZ2VudCI6IiIsInVzZXJJZCI6IlVTRVIwMTIzNDU2Nzg5YWJjZGVmZ2hpamtsbW5vcHFyIiwiaWQiOiJTRVNTMDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxciJ9LCJ1c2VyIjp7Im5hbWUiOiJBbGljZSIsImVtYWlsIjoiYWxpY2VAZXhhbXBsZS5jb20iLCJlbWFpbFZlcmlmaWVkIjpmYWxzZSwiaW1hZ2UiOm51bGwsImNyZWF0ZWRBdCI6IjIwMjYtMDEtMDFUMDA6MDA6MDAuMDAwWiIsInVwZGF0ZWRBdCI6IjIwMjYtMDEtMDFUMDA6MDA6MDAuMDAwWiIsImlkIjoiVVNFUjAxMjM0NTY3ODlhYmNkZWZnaGlqa2xtbm9wcXIifSwidXBkYXRlZEF0IjoxNzY3MjI1NjAwMDAwLCJ2ZXJzaW9uIjoiMSJ9LCJleHBpcmVzQXQiOjE3NjcyMjU5MDAwMDAsInNpZ25hdHVyZSI6Ik9OLUJwSTBvNHdZcGZHaVFkZTczbTdLNzhXdjlnZDIzTE1kWDRTallKS1kifQ";
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzZXNzaW9uIjp7ImV4cGlyZXNBdCI6IjIwMjYtMDEtMDhUMDA6MDA6MDAuMDAwWiIsInRva2VuIjoiVE9LRU4wMTIzNDU2Nzg5YWJjZGVmZ2hpamtsbW5vcHEiLCJjcmVhdGVkQXQiOiIyMDI2LTAxLTAxVDAwOjAwOjAwLjAwMFoiLCJ1cGRhdGVkQXQiOiIyMDI2LTAxLTAxVDAwOjAwOjAwLjAwMFoiLCJpcEFkZHJlc3MiOiIiLCJ1c2VyQWdlbnQiOiIiLCJ1c2VySWQiOiJVU0VSMDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxciIsImlkIjoiU0VTUzAxMjM0NTY3ODlhYmNkZWZnaGlqa2xtbm9wcXIifSwidXNlciI6eyJuYW1lIjoiQWxpY2UiLCJlbWFpbCI6ImFsaWNlQGV4YW1wbGUuY29tIiwiZW1haWxWZXJpZmllZCI6ZmFsc2UsImltYWdlIjpudWxsLCJjcmVhdGVkQXQiOiIyMDI2LTAxLTAxVDAwOjAwOjAwLjAwMFoiLCJ1cGRhdGVkQXQiOiIyMDI2LTAxLTAxVDAwOjAwOjAwLjAwMFoiLCJpZCI6IlVTRVIwMTIzNDU2Nzg5YWJjZGVmZ2hpamtsbW5vcHFyIn0sInVwZGF0ZWRBdCI6MTc2NzIyNTYwMDAwMCwidmVyc2lvbiI6IjEiLCJpYXQiOjE3NjcyMjU2MDAsImV4cCI6MTc2NzIyNTkwMH0.ntcLqd4Cw7HgorZ-N8ZilbPlry4Za4r3kR0msy3CpJI";
const TOKEN: &str = "TOKEN0123456789abcdefghijklmnopq";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn session() -> Session {
    Session {
        id: "SESS0123456789abcdefghijklmnopqr".into(),
        expires_at: t("2026-01-08T00:00:00Z"),
        token: TOKEN.into(),
        created_at: t("2026-01-01T00:00:00Z"),
        updated_at: t("2026-01-01T00:00:00Z"),
        ip_address: Some(String::new()),
        user_agent: Some(String::new()),
        user_id: "USER0123456789abcdefghijklmnopqr".into(),
    }
}

fn user() -> User {
    User {
        id: "USER0123456789abcdefghijklmnopqr".into(),
        name: "Alice".into(),
        email: "alice@example.com".into(),
        email_verified: false,
        image: None,
        created_at: t("2026-01-01T00:00:00Z"),
        updated_at: t("2026-01-01T00:00:00Z"),
    }
}

fn config(strategy: &str, extra: &[(&str, &str)]) -> Config {
    Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some("postgres://localhost/x".into()),
        "BETTER_AUTH_SECRET" => Some(S.into()),
        "SESSION_COOKIE_CACHE" => Some(strategy.into()),
        _ => extra
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string()),
    })
    .unwrap()
}

/// One minute after the vectors were made (their cache expires after five).
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_767_225_600_000 + minutes * 60_000)
        .unwrap()
}

#[test]
fn the_payload_is_byte_identical_to_better_auths() {
    assert_eq!(payload_text(&session(), &user(), 1_767_225_600_000, "1"), P);
}

#[test]
fn the_compact_cookie_matches_the_test_vector_and_reads_back() {
    assert_eq!(compact_encode(&S.into(), P, 1_767_225_900_000), COMPACT);
    let cached = decode(&config("compact", &[]), COMPACT, at(1)).unwrap();
    assert_eq!(cached.expires_at_ms, 1_767_225_900_000);
    assert_eq!(cached.session.token, TOKEN);
    assert_eq!(cached.user.email, "alice@example.com");
    assert!(cached.usable(TOKEN, "1", at(1).timestamp_millis()));
    assert!(
        !cached.usable(TOKEN, "1", at(6).timestamp_millis()),
        "expired"
    );
    assert!(
        !cached.usable(TOKEN, "2", at(1).timestamp_millis()),
        "version"
    );
    assert!(!cached.usable("another-token", "1", at(1).timestamp_millis()));
}

#[test]
fn a_tampered_or_foreign_compact_cookie_is_refused_never_an_error() {
    let cfg = config("compact", &[]);
    let tampered = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"session":{},"expiresAt":1767225900000,"signature":"ON-BpI0o4wYpfGiQde73m7K78Wv9gd23LMdX4SjYJKY"}}"#,
        P.replace("Alice", "Mallory")
    ));
    assert!(decode(&cfg, &tampered, at(1)).is_none());
    let other: SecretString = "another-secret-0123456789-abcdefghijklmnopqrstuvwxyz".into();
    let foreign = compact_encode(&other, P, 1_767_225_900_000);
    assert!(decode(&cfg, &foreign, at(1)).is_none());
    // Better Auth answers 500 for these two; we read them as a miss.
    assert!(decode(&cfg, "abc!def", at(1)).is_none());
    assert!(decode(&cfg, JWT, at(1)).is_none());
    // Dates without milliseconds do not survive Node's re-serialization.
    let no_ms = P.replace("00:00:00.000Z", "00:00:00Z");
    assert!(
        decode(
            &cfg,
            &compact_encode(&S.into(), &no_ms, 1_767_225_900_000),
            at(1)
        )
        .is_none()
    );
    // Padding is accepted, as Node's decoder stops at the first `=`.
    assert!(decode(&cfg, &format!("{COMPACT}=="), at(1)).is_some());
}

#[test]
fn a_payload_without_version_counts_as_version_one() {
    let p = P.replace(r#","version":"1""#, "");
    let cached = decode(
        &config("compact", &[]),
        &compact_encode(&S.into(), &p, 1_767_225_900_000),
        at(1),
    )
    .unwrap();
    assert_eq!(cached.version, None);
    assert!(cached.usable(TOKEN, "1", at(1).timestamp_millis()));
}

#[test]
fn the_jwt_cookie_matches_the_test_vector_and_expires_at_exp() {
    assert_eq!(jwt_encode(&S.into(), P, 1_767_225_600, 1_767_225_900), JWT);
    let cfg = config("jwt", &[]);
    let cached = decode(&cfg, JWT, at(1)).unwrap();
    assert_eq!(cached.expires_at_ms, 1_767_225_900_000);
    assert!(
        decode(&cfg, JWT, at(5)).is_none(),
        "jose rejects exp <= now"
    );
    assert!(decode(&cfg, COMPACT, at(1)).is_none());
    assert!(decode(&config("jwt", &[]), &JWT.replace(".ntcL", ".ntcM"), at(1)).is_none());
}

#[test]
fn jwe_cookies_round_trip_and_survive_secret_rotation() {
    let now = Utc::now();
    let mut s = session();
    s.expires_at = now + chrono::TimeDelta::days(7);
    let old = config("jwe", &[]);
    let value = encode(&old, &s, &user(), false, FromCache::default(), now).unwrap();
    assert!(value.starts_with("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIiwia2lkIjoibm1OVXAtYWF4QWtKVmlmUjY3TU1CQTR1bl8welNjVDY1R3A2WUtBQy1TayJ9.."));
    let cached = decode(&old, &value, now).unwrap();
    assert_eq!(cached.expires_at_ms / 1000, now.timestamp() + 300);
    assert!(cached.usable(TOKEN, "1", now.timestamp_millis()));
    // BETTER_AUTH_SECRETS with the old secret as version 1 still decrypts it; compact does not.
    let rotated = [(
        "BETTER_AUTH_SECRETS",
        "2:a-brand-new-secret-0123456789-abcdefghijklmnopqrstuvwxyz,1:conformance-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    )];
    assert!(decode(&config("jwe", &rotated), &value, now).is_some());
    let compact = encode(
        &config("compact", &[]),
        &s,
        &user(),
        false,
        FromCache::default(),
        now,
    )
    .unwrap();
    assert!(decode(&config("compact", &rotated), &compact, now).is_none());
    // Jose allows 15 s of clock skew on the JWE's exp.
    let later = now + chrono::TimeDelta::seconds(310);
    assert!(decode(&old, &value, later).is_some());
    assert!(decode(&old, &value, later + chrono::TimeDelta::seconds(10)).is_none());
}

#[test]
fn a_not_remembered_session_gets_better_auths_short_expiries() {
    let now = at(0);
    let value = encode(
        &config("compact", &[]),
        &session(),
        &user(),
        true,
        FromCache::default(),
        now,
    )
    .unwrap();
    let cached = decode(&config("compact", &[]), &value, now).unwrap();
    assert_eq!(cached.expires_at_ms - now.timestamp_millis(), 60_000);
    let cfg = config("jwt", &[("SESSION_COOKIE_CACHE_MAX_AGE", "120")]);
    let value = encode(&cfg, &session(), &user(), true, FromCache::default(), now).unwrap();
    assert_eq!(
        decode(&cfg, &value, now).unwrap().expires_at_ms - now.timestamp_millis(),
        300_000
    );
}

#[test]
fn uuids_are_version_four() {
    let id = random_uuid();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4");
    assert!("89ab".contains(&id[19..20]));
}

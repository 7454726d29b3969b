//! Text the databases can store: PostgreSQL refuses NUL (`invalid byte sequence for encoding
//! "UTF8": 0x00`), and a unique index refuses a row over 2,704 bytes. Client strings are checked
//! against these rules at the edge (the body, query and token parsers) so no field can forget them.

/// Longest e-mail address, in UTF-16 units as zod counts them (RFC 5321's 254).
pub const EMAIL_MAX: usize = 254;
/// Longest user name, in UTF-16 units.
pub const NAME_MAX: usize = 16_384;

/// The length zod's `.max()` and JavaScript's `.length` see: UTF-16 code units.
pub fn js_length(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Whether the database can store `s` at all.
pub fn storable(s: &str) -> bool {
    !s.contains('\0')
}

/// The most UTF-16 units a Better Auth body or query member may hold; `None` when only the
/// body limit bounds it.
pub fn auth_field_max(name: &str) -> Option<usize> {
    match name {
        "email" | "newEmail" => Some(EMAIL_MAX),
        "name" => Some(NAME_MAX),
        _ => None,
    }
}

/// Why a Better Auth member's text is refused, in zod's words, or `None` when it is fine.
pub fn auth_field_issue(name: &str, value: &str) -> Option<String> {
    if !storable(value) {
        return Some(NUL_MESSAGE.to_owned());
    }
    let max = auth_field_max(name)?;
    (js_length(value) > max).then(|| format!("Too big: expected string to have <={max} characters"))
}

/// The message for text with a NUL character.
pub const NUL_MESSAGE: &str = "Invalid input: must not contain NUL (U+0000) characters";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_refused_and_limits_count_utf16_units() {
        assert!(!storable("a\0b"));
        assert!(storable("àé😀"));
        assert_eq!(auth_field_issue("name", "x\0"), Some(NUL_MESSAGE.into()));
        let at_limit = format!("{}@e.co", "a".repeat(EMAIL_MAX - 5));
        assert_eq!(auth_field_issue("email", &at_limit), None);
        assert_eq!(
            auth_field_issue("newEmail", &format!("a{at_limit}")).as_deref(),
            Some("Too big: expected string to have <=254 characters")
        );
        assert_eq!(auth_field_issue("callbackURL", &"u".repeat(100_000)), None);
    }
}

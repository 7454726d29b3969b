//! Callback URLs of the e-mailed links: Better Auth's URL helpers, ported exactly.

use url::Url;

/// `appendQueryParams` (`@better-auth/core/src/utils/url.ts`): adds `key=value` to an absolute or
/// root-relative URL, keeping its existing query; `None` for other inputs.
pub fn append_query(input: &str, key: &str, value: &str) -> Option<String> {
    if input.starts_with("//") || input.starts_with("/\\") {
        return None;
    }
    let relative = input.starts_with('/');
    let mut url = if relative {
        Url::parse("http://reference.invalid")
            .ok()?
            .join(input)
            .ok()?
    } else {
        Url::parse(input).ok()?
    };
    let added = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(key, value)
        .finish();
    let query = match url.query() {
        Some(q) if !q.is_empty() && q.ends_with('&') => format!("{q}{added}"),
        Some(q) if !q.is_empty() => format!("{q}&{added}"),
        _ => added,
    };
    url.set_query(Some(&query));
    Some(if relative {
        url[url::Position::BeforePath..].to_owned()
    } else {
        url.into()
    })
}

/// `new URL(callbackURL, baseURL)` with `searchParams.set(key, value)`.
pub fn redirect_with(base: &str, callback: &str, key: &str, value: &str) -> Option<String> {
    let mut url = Url::parse(base).ok()?.join(callback).ok()?;
    let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    match pairs.iter().position(|(k, _)| k == key) {
        Some(i) => {
            pairs[i].1 = value.to_owned();
            let mut seen = false;
            pairs.retain(|(k, _)| k != key || !std::mem::replace(&mut seen, true));
        }
        None => pairs.push((key.to_owned(), value.to_owned())),
    }
    url.query_pairs_mut().clear().extend_pairs(pairs);
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://localhost:3000/api/auth";

    #[test]
    fn callbacks_resolve_against_the_base_url_and_set_one_parameter() {
        assert_eq!(
            redirect_with(BASE, "/reset", "token", "abc").as_deref(),
            Some("http://localhost:3000/reset?token=abc")
        );
        assert_eq!(
            redirect_with(
                BASE,
                "http://localhost:3001/r?a=1&token=x&token=y",
                "token",
                "abc"
            )
            .as_deref(),
            Some("http://localhost:3001/r?a=1&token=abc")
        );
        assert_eq!(
            redirect_with(BASE, &format!("{BASE}/error"), "error", "INVALID_TOKEN").as_deref(),
            Some("http://localhost:3000/api/auth/error?error=INVALID_TOKEN")
        );
    }

    #[test]
    fn append_query_keeps_the_path_and_query_of_relative_and_absolute_urls() {
        assert_eq!(
            append_query("/", "error", "INVALID_TOKEN").as_deref(),
            Some("/?error=INVALID_TOKEN")
        );
        assert_eq!(
            append_query("/done?x=1", "error", "TOKEN_EXPIRED").as_deref(),
            Some("/done?x=1&error=TOKEN_EXPIRED")
        );
        assert_eq!(
            append_query("http://localhost:3001/v?a=b&", "error", "X").as_deref(),
            Some("http://localhost:3001/v?a=b&error=X")
        );
        assert_eq!(append_query("//evil.com", "error", "X"), None);
    }
}

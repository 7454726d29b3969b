//! The client IP as Better Auth records it (`@better-auth/core/src/utils/ip.ts`): only a single-value
//! `X-Forwarded-For` is believed, IPv4-mapped IPv6 becomes IPv4, IPv6 is written in full and masked to /64.
//! Rate limiting instead keys on the peer address, or behind trusted proxies on the forwarded client.

use std::net::{IpAddr, Ipv6Addr};

use ipnet::IpNet;

/// The normalized client IP from an `X-Forwarded-For` value, or `""` when unknown or untrusted.
pub fn client_ip(forwarded_for: Option<&str>) -> String {
    let Some(value) = forwarded_for.map(str::trim) else {
        return String::new();
    };
    if value.contains(',') {
        return String::new();
    }
    match value.parse::<IpAddr>() {
        Ok(ip) => normalize(ip),
        Err(_) => String::new(),
    }
}

/// Better Auth's `normalizeIP` with the default /64 IPv6 subnet.
pub fn normalize(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let masked = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                masked
                    .segments()
                    .iter()
                    .map(|g| format!("{g:04x}"))
                    .collect::<Vec<_>>()
                    .join(":")
            }
        },
    }
}

/// The client IP for rate limiting: the peer address, unless the peer is a trusted proxy; then the
/// right-most `X-Forwarded-For` hop that is not a trusted proxy (the left-most when all are).
/// `None` when unknown or when the chain holds a malformed hop (fail closed into a shared bucket).
pub fn rate_limit_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> Option<String> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return Some(normalize(peer));
    }
    let hops: Vec<&str> = forwarded_for
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    // A trusted proxy that forwards no client address: the client is unknown, and shares Better Auth's
    // `no-trusted-ip` bucket rather than the proxy's own address.
    let first = hops.first()?;
    for hop in hops.iter().rev() {
        let ip: IpAddr = hop.parse().ok()?;
        if !is_trusted(&ip) {
            return Some(normalize(ip));
        }
    }
    first.parse().ok().map(normalize)
}

/// IPv4-mapped IPv6 as IPv4, so `::ffff:10.0.0.1` matches `10.0.0.0/8`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn rate_limiting_believes_forwarded_for_only_from_trusted_proxies() {
        let peer = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        let proxies = nets(&["10.0.0.0/8", "127.0.0.1/32"]);
        // An untrusted peer is the client, whatever it forwards.
        assert_eq!(
            rate_limit_ip(peer("203.0.113.5"), Some("1.2.3.4"), &proxies).as_deref(),
            Some("203.0.113.5")
        );
        assert_eq!(
            rate_limit_ip(peer("203.0.113.5"), Some("1.2.3.4"), &[]).as_deref(),
            Some("203.0.113.5")
        );
        // Behind proxies: the right-most untrusted hop; a spoofed left-most entry is ignored.
        assert_eq!(
            rate_limit_ip(
                peer("127.0.0.1"),
                Some("6.6.6.6, 198.51.100.9, 10.1.2.3"),
                &proxies
            )
            .as_deref(),
            Some("198.51.100.9")
        );
        assert_eq!(
            rate_limit_ip(peer("::ffff:10.0.0.2"), Some("198.51.100.9"), &proxies).as_deref(),
            Some("198.51.100.9")
        );
        assert_eq!(rate_limit_ip(peer("127.0.0.1"), None, &proxies), None);
        assert_eq!(
            rate_limit_ip(peer("127.0.0.1"), Some("10.0.0.9, 10.0.0.8"), &proxies).as_deref(),
            Some("10.0.0.9")
        );
        assert_eq!(
            rate_limit_ip(peer("127.0.0.1"), Some("198.51.100.9, junk"), &proxies),
            None
        );
        assert_eq!(rate_limit_ip(None, Some("198.51.100.9"), &proxies), None);
        assert_eq!(
            rate_limit_ip(peer("2001:db8:abcd:12:1:2:3:4"), None, &proxies).as_deref(),
            Some("2001:0db8:abcd:0012:0000:0000:0000:0000")
        );
    }

    #[test]
    fn single_values_are_normalized_and_lists_are_ignored() {
        assert_eq!(client_ip(Some("198.51.100.9")), "198.51.100.9");
        assert_eq!(client_ip(Some("198.51.100.9, 10.0.0.1")), "");
        assert_eq!(client_ip(Some("not-an-ip")), "");
        assert_eq!(client_ip(None), "");
        assert_eq!(client_ip(Some("::ffff:192.0.2.1")), "192.0.2.1");
        assert_eq!(
            client_ip(Some("2001:db8:abcd:12:1:2:3:4")),
            "2001:0db8:abcd:0012:0000:0000:0000:0000"
        );
    }
}

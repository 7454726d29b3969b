//! The client IP as Better Auth records it (`@better-auth/core/src/utils/ip.ts`): only a single-value
//! `X-Forwarded-For` is believed, IPv4-mapped IPv6 becomes IPv4, IPv6 is written in full and masked to /64.

use std::net::{IpAddr, Ipv6Addr};

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

#[cfg(test)]
mod tests {
    use super::*;

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

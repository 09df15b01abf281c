//! Validation of webhook target URLs against server-side request forgery (SSRF).
//!
//! A webhook target is a URL chosen by a user, but the request to it is made by
//! our server, from inside our network. Without checks a user could point a
//! webhook at `http://169.254.169.254/` (cloud metadata, i.e. credentials), at
//! `http://10.0.0.5:6379/` (an internal service) or at `http://127.0.0.1/` (the
//! service itself) and make us deliver requests there for them.
//!
//! Validation happens in two steps:
//!
//! * [`parse`] is purely syntactic and needs no network: length, scheme, no
//!   userinfo, no fragment, and — when the host is an IP literal — the address
//!   itself. Use it to reject obviously bad input early (e.g. at form
//!   submission).
//! * [`check`] additionally resolves the host name and refuses the URL if *any*
//!   resolved address is forbidden. It returns the addresses so the caller can
//!   connect to exactly those: resolving again at delivery time would let an
//!   attacker's DNS server answer with a public address for the check and a
//!   private one for the request (DNS rebinding).
//!
//! The DNS look-up in [`check`] is bounded by [`RESOLVE_TIMEOUT`].
//!
//! The address rules are written out by hand in [`is_forbidden`] because the
//! std helpers that would cover them (`is_global`, `is_shared`, …) are unstable.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

/// Longest accepted target URL, in characters. Long enough for any real
/// endpoint, short enough to keep stored rows and log lines bounded.
pub const MAX_URL_LEN: usize = 2048;

/// How long the DNS look-up of a target may take; a slower resolver counts as unresolvable.
pub const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What is acceptable as a target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    /// Development switch: also accept `http://` and loopback addresses
    /// (127.0.0.0/8, `::1`, `localhost`), so a receiver running on the
    /// developer's machine can be used. Private, link-local, metadata and
    /// reserved addresses stay forbidden even then: there is no legitimate
    /// development use that needs them and they are the dangerous ones.
    pub allow_insecure: bool,
    /// Fixed answers for host names, used instead of DNS (as curl's `--resolve`), for names
    /// that only an internal resolver knows. They are screened like any DNS answer, so they
    /// cannot open a way to a forbidden address.
    pub hosts: Vec<(String, Vec<IpAddr>)>,
}

/// Why a target URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Longer than [`MAX_URL_LEN`] characters.
    #[error("the webhook URL is longer than {MAX_URL_LEN} characters")]
    TooLong,
    /// Not an absolute URL, or it carries credentials or a fragment.
    #[error("the webhook URL is not a valid absolute URL without credentials or fragment")]
    Invalid,
    /// Scheme other than `https` (or `http` when the policy allows it).
    #[error("the webhook URL must use https")]
    NotHttps,
    /// The host is, or resolves to, an address we refuse to send requests to.
    #[error(
        "the webhook URL points to a forbidden address ({address}): private, loopback, link-local and reserved addresses are not allowed"
    )]
    ForbiddenAddress {
        /// The offending address.
        address: IpAddr,
    },
    /// DNS resolution failed or returned no address.
    #[error("the host name of the webhook URL could not be resolved")]
    Unresolvable,
}

impl TargetError {
    /// Stable machine-readable code, suitable for API error bodies. Never
    /// change an existing value: clients may match on it.
    pub fn code(&self) -> &'static str {
        match self {
            TargetError::TooLong => "url_too_long",
            TargetError::Invalid => "invalid_url",
            TargetError::NotHttps => "https_required",
            TargetError::ForbiddenAddress { .. } => "forbidden_address",
            TargetError::Unresolvable => "unresolvable_host",
        }
    }
}

/// Syntactic validation; no network access.
///
/// Checks, in order: length (before parsing, so huge input is not parsed),
/// that the URL is absolute, the scheme, that a host is present, absence of
/// userinfo and fragment, and — for IP literal hosts — [`is_forbidden`].
/// `localhost` and `*.localhost` are treated as the loopback address 127.0.0.1
/// (RFC 6761 reserves them for loopback), so they are refused here already
/// unless the policy allows insecure targets.
///
/// A domain name that passes here may still resolve to a forbidden address:
/// always call [`check`] before delivering.
pub fn parse(raw: &str, policy: &TargetPolicy) -> Result<Url, TargetError> {
    // `len()` is bytes, an upper bound on characters; only count characters
    // when it could matter.
    if raw.len() > MAX_URL_LEN && raw.chars().count() > MAX_URL_LEN {
        return Err(TargetError::TooLong);
    }
    // Fails for relative URLs too ("relative URL without a base").
    let url = Url::parse(raw).map_err(|_| TargetError::Invalid)?;
    // Parsing percent-encodes non-ASCII characters, which can make the URL we
    // would store and send longer than the input; bound that too.
    if url.as_str().len() > MAX_URL_LEN {
        return Err(TargetError::TooLong);
    }
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_insecure => {}
        _ => return Err(TargetError::NotHttps),
    }
    // Credentials in the URL would end up in logs and in the delivery's
    // Authorization header; a fragment is never sent to the server, so its
    // presence means the user misunderstood what will be called.
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(TargetError::Invalid);
    }
    // The url crate normalises IPv4 in any notation (`0x7f.1`, `2130706433`,
    // `127.1`) to `Host::Ipv4`, so alternative spellings cannot slip past.
    let address = match url.host() {
        None => return Err(TargetError::Invalid),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(Host::Domain(name)) if is_localhost_name(name) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        Some(Host::Domain(_)) => return Ok(url),
    };
    if is_forbidden(address, policy) {
        return Err(TargetError::ForbiddenAddress { address });
    }
    Ok(url)
}

/// Full validation: [`parse`], then resolve the host and refuse the URL if any
/// resolved address is forbidden.
///
/// Returns the URL and the addresses it resolved to (with the port filled in).
/// Connect to these addresses, not to the host name, so that a second DNS
/// answer cannot redirect the request to a forbidden address (DNS rebinding).
/// For IP literal hosts no DNS lookup is made.
pub async fn check(
    raw: &str,
    policy: &TargetPolicy,
) -> Result<(Url, Vec<SocketAddr>), TargetError> {
    let url = parse(raw, policy)?;
    // Always present for http and https, the only schemes `parse` lets through.
    let port = url.port_or_known_default().ok_or(TargetError::Invalid)?;
    let addrs = match url.host() {
        None => return Err(TargetError::Invalid),
        // Already judged by `parse`.
        Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Some(Host::Domain(name)) => match policy.hosts.iter().find(|(host, _)| host == name) {
            Some((_, ips)) => ips.iter().map(|ip| SocketAddr::new(*ip, port)).collect(),
            None => tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port)))
                .await
                .map_err(|_| TargetError::Unresolvable)?
                .map_err(|_| TargetError::Unresolvable)?
                .collect(),
        },
    };
    let addrs = screen(addrs, policy)?;
    Ok((url, addrs))
}

/// Refuses the whole set if any address is forbidden — an attacker controlling
/// DNS could otherwise mix one public address with private ones and hope the
/// client picks a private one. Removes duplicates, keeping order.
fn screen(addrs: Vec<SocketAddr>, policy: &TargetPolicy) -> Result<Vec<SocketAddr>, TargetError> {
    if let Some(bad) = addrs.iter().find(|a| is_forbidden(a.ip(), policy)) {
        return Err(TargetError::ForbiddenAddress { address: bad.ip() });
    }
    let mut unique: Vec<SocketAddr> = Vec::with_capacity(addrs.len());
    for addr in addrs {
        if !unique.contains(&addr) {
            unique.push(addr);
        }
    }
    if unique.is_empty() {
        return Err(TargetError::Unresolvable);
    }
    Ok(unique)
}

/// `localhost`, `localhost.` and any `*.localhost` name (RFC 6761 §6.3).
/// The url crate has already lower-cased the host.
fn is_localhost_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name == "localhost" || name.ends_with(".localhost")
}

/// Whether webhooks must not be sent to `ip`.
///
/// Forbidden: everything that is not an ordinary public unicast address —
/// unspecified, loopback (allowed with `allow_insecure`), private, shared
/// (CGNAT), link-local (includes the 169.254.169.254 metadata service),
/// multicast, broadcast, reserved, benchmarking and documentation ranges, and
/// the IPv6 equivalents. IPv6 forms that embed an IPv4 address (IPv4-mapped,
/// IPv4-compatible, NAT64, 6to4) are judged by the embedded address, because
/// the connection may end up at that IPv4 address.
pub fn is_forbidden(ip: IpAddr, policy: &TargetPolicy) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4, policy),
        IpAddr::V6(v6) => is_forbidden_v6(v6, policy),
    }
}

fn is_forbidden_v4(ip: Ipv4Addr, policy: &TargetPolicy) -> bool {
    let o = ip.octets();
    if ip.is_loopback() {
        return !policy.allow_insecure;
    }
    // 0.0.0.0/8 "this network" (includes unspecified 0.0.0.0): Linux connects
    // 0.0.0.0 to the local host.
    o[0] == 0
        // 10/8, 172.16/12, 192.168/16
        || ip.is_private()
        // 100.64/10 shared address space (carrier-grade NAT), often internal.
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        // 169.254/16, including the cloud metadata address 169.254.169.254.
        || ip.is_link_local()
        // 192.0.0.0/24 IETF protocol assignments.
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        // 192.0.2/24, 198.51.100/24, 203.0.113/24
        || ip.is_documentation()
        // 198.18/15 benchmarking.
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        // 224/4
        || ip.is_multicast()
        // 240/4 reserved, which also holds the broadcast 255.255.255.255.
        || o[0] >= 240
        || ip.is_broadcast()
}

fn is_forbidden_v6(ip: Ipv6Addr, policy: &TargetPolicy) -> bool {
    let s = ip.segments();
    if ip.is_unspecified() {
        return true;
    }
    // Before the IPv4-compatible rule below, which would see ::1 as 0.0.0.1.
    if ip.is_loopback() {
        return !policy.allow_insecure;
    }
    // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (deprecated IPv4-compatible).
    if s[..5].iter().all(|&x| x == 0) && (s[5] == 0 || s[5] == 0xffff) {
        return is_forbidden_v4(embedded_v4(s[6], s[7]), policy);
    }
    // 64:ff9b::/96 well-known NAT64 prefix: a gateway forwards to the
    // embedded IPv4 address.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_forbidden_v4(embedded_v4(s[6], s[7]), policy);
    }
    // 2002::/16 6to4: the relay forwards to the IPv4 address in bits 16..48.
    if s[0] == 0x2002 {
        return is_forbidden_v4(embedded_v4(s[1], s[2]), policy);
    }
    // 64:ff9b:1::/48 local-use NAT64 (RFC 8215): translated inside the
    // operator's network, with no fixed place for the IPv4 address.
    (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1)
        // fc00::/7 unique local (includes the AWS metadata address fd00:ec2::254).
        || (s[0] & 0xfe00) == 0xfc00
        // fe80::/10 link-local.
        || (s[0] & 0xffc0) == 0xfe80
        // fec0::/10 deprecated site-local; some stacks still route it internally.
        || (s[0] & 0xffc0) == 0xfec0
        // ff00::/8
        || ip.is_multicast()
        // 2001:db8::/32 and 3fff::/20 (RFC 9637) documentation.
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0] == 0x3fff && (s[1] & 0xf000) == 0)
}

fn embedded_v4(hi: u16, lo: u16) -> Ipv4Addr {
    let [a, b] = hi.to_be_bytes();
    let [c, d] = lo.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: TargetPolicy = TargetPolicy {
        allow_insecure: false,
        hosts: Vec::new(),
    };
    const DEV: TargetPolicy = TargetPolicy {
        allow_insecure: true,
        hosts: Vec::new(),
    };

    #[tokio::test]
    async fn fixed_host_answers_are_screened_like_dns() {
        let policy = TargetPolicy {
            allow_insecure: false,
            hosts: vec![
                ("intranet.example".into(), vec![ip("10.1.2.3")]),
                ("public.example".into(), vec![ip("93.184.216.34")]),
            ],
        };
        assert_eq!(
            check("https://intranet.example/hook", &policy)
                .await
                .unwrap_err(),
            TargetError::ForbiddenAddress {
                address: ip("10.1.2.3")
            }
        );
        let (_, addrs) = check("https://public.example:8443/hook", &policy)
            .await
            .unwrap();
        assert_eq!(addrs, vec!["93.184.216.34:8443".parse().unwrap()]);
    }

    fn code(raw: &str, policy: &TargetPolicy) -> &'static str {
        match parse(raw, policy) {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn http_loopback_needs_switch() {
        assert_eq!(code("http://127.0.0.1/hook", &STRICT), "https_required");
        assert_eq!(code("http://127.0.0.1/hook", &DEV), "ok");
        assert_eq!(code("http://localhost:8080/hook", &DEV), "ok");
        assert_eq!(code("http://[::1]/hook", &DEV), "ok");
    }

    #[test]
    fn https_loopback_refused_without_switch() {
        assert_eq!(code("https://127.0.0.1/", &STRICT), "forbidden_address");
        assert_eq!(code("https://127.8.9.10/", &STRICT), "forbidden_address");
        assert_eq!(code("https://[::1]/", &STRICT), "forbidden_address");
        assert_eq!(code("https://localhost/", &STRICT), "forbidden_address");
        assert_eq!(code("https://LOCALHOST./", &STRICT), "forbidden_address");
        assert_eq!(code("https://app.localhost/", &STRICT), "forbidden_address");
        assert_eq!(code("https://127.0.0.1/", &DEV), "ok");
    }

    #[test]
    fn internal_addresses_forbidden_even_with_switch() {
        for raw in [
            "https://10.0.0.1/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::ffff:10.0.0.1]/",
            "https://[fd00::1]/",
            "https://[fd00:ec2::254]/",
            "https://[fe80::1]/",
            "https://0.0.0.0/",
            "https://[::]/",
            "https://192.168.1.1/",
            "https://172.16.0.1/",
            "https://172.31.255.255/",
            "https://100.64.0.1/",
            "https://[64:ff9b::a9fe:a9fe]/",
            "https://[::ffff:169.254.169.254]/",
        ] {
            for policy in [STRICT, DEV] {
                assert_eq!(code(raw, &policy), "forbidden_address", "{raw} {policy:?}");
            }
        }
    }

    #[test]
    fn forbidden_error_carries_address() {
        assert_eq!(
            parse("https://10.1.2.3/", &STRICT),
            Err(TargetError::ForbiddenAddress {
                address: ip("10.1.2.3")
            })
        );
    }

    #[test]
    fn alternative_ipv4_spellings_are_normalised() {
        // Classic SSRF filter bypasses: all of these are 127.0.0.1 or 10.0.0.1.
        for raw in [
            "https://2130706433/",
            "https://0x7f.1/",
            "https://0177.0.0.1/",
            "https://127.1/",
            "https://0x0a000001/",
        ] {
            assert_eq!(code(raw, &STRICT), "forbidden_address", "{raw}");
        }
    }

    #[test]
    fn public_targets_accepted() {
        assert_eq!(code("https://example.com/hooks?x=1", &STRICT), "ok");
        assert_eq!(code("https://example.com:8443/", &STRICT), "ok");
        assert_eq!(code("https://93.184.216.34/", &STRICT), "ok");
        assert_eq!(code("https://[2606:2800:220:1::1]/", &STRICT), "ok");
        // Just outside the private and shared ranges.
        assert_eq!(code("https://172.32.0.1/", &STRICT), "ok");
        assert_eq!(code("https://100.128.0.1/", &STRICT), "ok");
    }

    #[test]
    fn length_limit() {
        let long = format!("https://example.com/{}", "a".repeat(3000));
        assert_eq!(code(&long, &STRICT), "url_too_long");
        let exact = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN - 20));
        assert_eq!(exact.len(), MAX_URL_LEN);
        assert_eq!(code(&exact, &STRICT), "ok");
        // Checked before parsing: even garbage reports the length.
        assert_eq!(code(&"x".repeat(MAX_URL_LEN + 1), &STRICT), "url_too_long");
        // Short input whose percent-encoded form exceeds the limit.
        let wide = format!("https://example.com/{}", "é".repeat(1000));
        assert!(wide.chars().count() < MAX_URL_LEN);
        assert_eq!(code(&wide, &STRICT), "url_too_long");
    }

    #[test]
    fn invalid_urls() {
        assert_eq!(code("https://user:pw@example.com/", &STRICT), "invalid_url");
        assert_eq!(code("https://user@example.com/", &STRICT), "invalid_url");
        assert_eq!(code("https://example.com/#frag", &STRICT), "invalid_url");
        assert_eq!(code("https://example.com/#", &STRICT), "invalid_url");
        assert_eq!(code("not a url", &STRICT), "invalid_url");
        assert_eq!(code("/relative/path", &STRICT), "invalid_url");
        assert_eq!(code("", &STRICT), "invalid_url");
        assert_eq!(code("https://", &STRICT), "invalid_url");
    }

    #[test]
    fn non_https_schemes() {
        assert_eq!(code("ftp://example.com/file", &STRICT), "https_required");
        assert_eq!(code("ftp://example.com/file", &DEV), "https_required");
        assert_eq!(code("http://example.com/", &STRICT), "https_required");
        assert_eq!(code("http://example.com/", &DEV), "ok");
        assert_eq!(code("file:///etc/passwd", &DEV), "https_required");
        assert_eq!(code("gopher://example.com/", &DEV), "https_required");
        assert_eq!(code("javascript:alert(1)", &DEV), "https_required");
    }

    #[test]
    fn codes_and_messages() {
        let all = [
            TargetError::TooLong,
            TargetError::Invalid,
            TargetError::NotHttps,
            TargetError::ForbiddenAddress {
                address: ip("10.0.0.1"),
            },
            TargetError::Unresolvable,
        ];
        let codes: Vec<_> = all.iter().map(TargetError::code).collect();
        assert_eq!(
            codes,
            [
                "url_too_long",
                "invalid_url",
                "https_required",
                "forbidden_address",
                "unresolvable_host"
            ]
        );
        assert!(all[0].to_string().contains("2048"));
        assert!(all[3].to_string().contains("10.0.0.1"));
    }

    #[test]
    fn ipv4_ranges() {
        for s in [
            "0.0.0.0",
            "0.1.2.3",
            "10.255.255.255",
            "100.127.255.255",
            "169.254.0.1",
            "172.16.0.0",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.0.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(is_forbidden(ip(s), &STRICT), "{s}");
            assert!(is_forbidden(ip(s), &DEV), "{s}");
        }
        for s in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "172.15.255.255",
            "192.0.1.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert!(!is_forbidden(ip(s), &STRICT), "{s}");
        }
        assert!(is_forbidden(ip("127.0.0.1"), &STRICT));
        assert!(!is_forbidden(ip("127.255.0.1"), &DEV));
    }

    #[test]
    fn ipv6_ranges() {
        for s in [
            "::",
            "fc00::1",
            "fdff:ffff::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "3fff::1",
            "3fff:fff::1",
            "::ffff:192.168.0.1",
            "::ffff:0.0.0.0",
            "::10.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::1",
            "2002:c0a8:0101::1",
        ] {
            assert!(is_forbidden(ip(s), &STRICT), "{s}");
            assert!(is_forbidden(ip(s), &DEV), "{s}");
        }
        for s in [
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:0808:0808::1",
            "3fff:1000::1",
        ] {
            assert!(!is_forbidden(ip(s), &STRICT), "{s}");
        }
        // Loopback, also when embedded, follows the switch.
        assert!(is_forbidden(ip("::1"), &STRICT));
        assert!(!is_forbidden(ip("::1"), &DEV));
        assert!(is_forbidden(ip("::ffff:127.0.0.1"), &STRICT));
        assert!(!is_forbidden(ip("::ffff:127.0.0.1"), &DEV));
    }

    #[test]
    fn screen_refuses_any_forbidden_and_dedups() {
        let public: SocketAddr = "93.184.216.34:443".parse().unwrap();
        let private: SocketAddr = "10.0.0.1:443".parse().unwrap();
        let loopback: SocketAddr = "127.0.0.1:443".parse().unwrap();
        assert_eq!(
            screen(vec![public, private], &DEV),
            Err(TargetError::ForbiddenAddress {
                address: private.ip()
            })
        );
        assert_eq!(
            screen(vec![loopback], &STRICT),
            Err(TargetError::ForbiddenAddress {
                address: loopback.ip()
            })
        );
        assert_eq!(screen(vec![loopback], &DEV), Ok(vec![loopback]));
        assert_eq!(screen(vec![public, public], &STRICT), Ok(vec![public]));
        assert_eq!(screen(vec![], &STRICT), Err(TargetError::Unresolvable));
    }

    #[tokio::test]
    async fn check_localhost_follows_switch() {
        let err = check("https://localhost/x", &STRICT).await.unwrap_err();
        assert_eq!(err.code(), "forbidden_address");
        let (url, addrs) = check("https://localhost/x", &DEV).await.unwrap();
        assert_eq!(url.as_str(), "https://localhost/x");
        assert!(!addrs.is_empty());
        assert!(
            addrs
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 443)
        );
    }

    #[tokio::test]
    async fn check_ip_literal_needs_no_dns() {
        let (_, addrs) = check("https://93.184.216.34/", &STRICT).await.unwrap();
        assert_eq!(addrs, vec!["93.184.216.34:443".parse().unwrap()]);
        let (_, addrs) = check("https://[2606:2800:220:1::1]:8443/", &STRICT)
            .await
            .unwrap();
        assert_eq!(addrs, vec!["[2606:2800:220:1::1]:8443".parse().unwrap()]);
        let (_, addrs) = check("http://127.0.0.1:3000/h", &DEV).await.unwrap();
        assert_eq!(addrs, vec!["127.0.0.1:3000".parse().unwrap()]);
    }

    #[tokio::test]
    async fn check_unresolvable() {
        // `.invalid` is guaranteed never to resolve (RFC 6761).
        let err = check("https://nonexistent.invalid/", &STRICT)
            .await
            .unwrap_err();
        assert_eq!(err, TargetError::Unresolvable);
        assert_eq!(err.code(), "unresolvable_host");
    }

    #[tokio::test]
    async fn check_runs_parse_first() {
        let err = check("https://10.0.0.1/", &DEV).await.unwrap_err();
        assert_eq!(err.code(), "forbidden_address");
        let err = check("http://example.com/", &STRICT).await.unwrap_err();
        assert_eq!(err.code(), "https_required");
    }
}

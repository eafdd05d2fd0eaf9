//! Per-client-address budgets on the unauthenticated endpoints (`docs/contract.md §0`
//! "Limits", `SECURITY.md`; ASVS 4.0.3 V2.2.1 anti-automation).
//!
//! Every request under `{origin}/auth/` except discovery and the JWKS (start, initiate,
//! challenge, continue, token, authorize, revoke, the provider pages) spends one unit of its
//! client address's budget: a GCRA bucket (the `governor` crate) refilled at
//! [`Security::per_address_per_minute`] and holding [`Security::per_address_burst`]. An empty
//! bucket answers 429 `temporarily_unavailable` / `throttled` with `Retry-After`, before any
//! handler or database work.
//!
//! The client address is the TCP peer's, unless the peer is one of
//! [`Security::trusted_proxies`] and [`Security::client_address_header`] is set: then the header
//! is read from the right (each proxy appends the address it got the request from), skipping
//! the trusted proxies' own addresses (a CDN in front of a load balancer), and the first other
//! address is the client's. IPv4-mapped IPv6 peers (a dual-stack listener) count as IPv4;
//! other IPv6 addresses count by their /64 prefix, the block one subscriber usually gets. Budgets live in this instance's
//! memory: with several instances behind a load balancer each holds its own (`SECURITY.md`);
//! the per-email limits, which must be exact, are in the database ([`crate::identity::limits`]).

use std::{
    net::{IpAddr, Ipv6Addr, SocketAddr},
    num::NonZeroU32,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderName},
    middleware::Next,
    response::{IntoResponse as _, Response},
};
use cartable_core::wire::identity::Suberror;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock as _};

use crate::{AppState, config::Security, http::oauth_error::OAuthError};

/// The budgets of one instance, by client address.
#[derive(Debug)]
pub struct AddressBudgets {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    header: Option<HeaderName>,
    trusted_proxies: Vec<IpAddr>,
}

impl AddressBudgets {
    /// Budgets as `security` sets them (a zero rate or burst counts as 1).
    ///
    /// # Errors
    /// `client_address_header` is not a valid header name (the message says so).
    pub fn new(security: &Security) -> Result<Self, String> {
        let per_minute =
            NonZeroU32::new(security.per_address_per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(security.per_address_burst).unwrap_or(NonZeroU32::MIN);
        let header = security
            .client_address_header
            .as_deref()
            .map(|name| {
                HeaderName::try_from(name.trim()).map_err(|_| {
                    format!("security.client_address_header {name:?} is not a header name")
                })
            })
            .transpose()?;
        Ok(Self {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)),
            header,
            trusted_proxies: security.trusted_proxies.clone(),
        })
    }

    /// The address a request counts against: see the module docs. `peer` is `None` when the
    /// server runs without connection info (then every such request shares one budget).
    pub fn client_address(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> IpAddr {
        let peer = peer.unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED)).to_canonical();
        let Some(name) = self.header.as_ref().filter(|_| self.trusted(peer)) else {
            return budget_key(peer);
        };
        // Every value of the header, joined in order, read from the right.
        let mut hops = headers
            .get_all(name)
            .iter()
            .rev()
            .flat_map(|value| value.to_str().unwrap_or("").rsplit(','))
            .map(|hop| parse_address(hop.trim()).map(|a| a.to_canonical()));
        let client = loop {
            match hops.next() {
                Some(Some(hop)) if self.trusted(hop) => continue,
                Some(Some(hop)) => break hop,
                // Nothing usable (an empty or garbled header): the proxy itself counts.
                Some(None) | None => break peer,
            }
        };
        budget_key(client)
    }

    fn trusted(&self, address: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|t| t.to_canonical() == address)
    }

    /// Spends one unit of `address`'s budget; `Err(seconds)` until the next unit when empty.
    pub fn spend(&self, address: IpAddr) -> Result<(), u64> {
        self.limiter.check_key(&address).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.limiter.clock().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forgets addresses whose bucket is full again (called every
    /// [`crate::maintenance::SHORT_INTERVAL`]), so memory follows the number of recently active
    /// addresses.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// An address as a proxy writes it: `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]:443` or
/// `203.0.113.7:51234`.
fn parse_address(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>().ok().or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// IPv4 (and IPv4-mapped IPv6) as is; other IPv6 addresses by their /64 prefix.
fn budget_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Whether a request spends budget: everything under `/auth/` but discovery and the JWKS.
fn is_budgeted(path: &str) -> bool {
    path.starts_with("/auth/")
        && path != crate::http::tokens::DISCOVERY_PATH
        && path != crate::http::tokens::JWKS_PATH
}

/// Middleware of [`crate::app`]: 429 with `Retry-After` when the client address's budget is
/// spent (module docs), else the request goes on.
pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !is_budgeted(req.uri().path()) {
        return next.run(req).await;
    }
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let address = state.address_budgets.client_address(peer, req.headers());
    match state.address_budgets.spend(address) {
        Ok(()) => next.run(req).await,
        Err(retry_after) => {
            // Debug, not warn: a flood must not choose how fast the log grows (metrics count it).
            tracing::debug!("per-address budget spent: request refused");
            crate::metrics::limit_hit(crate::metrics::PER_ADDRESS);
            OAuthError::throttled(
                Suberror::Throttled,
                retry_after,
                "Too many requests from this address: wait before trying again.",
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budgets(header: Option<&str>, trusted: &[&str]) -> AddressBudgets {
        AddressBudgets::new(&Security {
            client_address_header: header.map(str::to_owned),
            trusted_proxies: trusted.iter().map(|a| a.parse().expect("ip")).collect(),
            per_address_per_minute: 1,
            per_address_burst: 2,
            ..Security::default()
        })
        .expect("budgets")
    }

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", value.parse().expect("value"));
        h
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy_and_its_rightmost_entry() {
        let b = budgets(Some("X-Forwarded-For"), &["127.0.0.1"]);
        let proxy: IpAddr = "127.0.0.1".parse().expect("ip");
        let stranger: IpAddr = "198.51.100.1".parse().expect("ip");
        let h = headers("10.9.9.9, 203.0.113.7");
        assert_eq!(b.client_address(Some(proxy), &h), "203.0.113.7".parse::<IpAddr>().expect("ip"));
        assert_eq!(b.client_address(Some(stranger), &h), stranger);
        let h = headers("[2001:db8:1:2:3:4:5:6]:443");
        let prefix: IpAddr = "2001:db8:1:2::".parse().expect("ip");
        assert_eq!(b.client_address(Some(proxy), &h), prefix);
        assert_eq!(b.client_address(Some(proxy), &headers("garbage")), proxy);
        let no_header = budgets(None, &["127.0.0.1"]);
        assert_eq!(no_header.client_address(Some(proxy), &h), proxy);
    }

    #[test]
    fn trusted_hops_are_skipped_and_a_dual_stack_peer_is_recognised() {
        let b = budgets(Some("x-forwarded-for"), &["127.0.0.1", "10.0.0.2"]);
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().expect("ip");
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "198.51.100.20, 203.0.113.7".parse().expect("value"));
        h.append("x-forwarded-for", "10.0.0.2".parse().expect("value"));
        // The CDN (10.0.0.2) appended last; the client is the first untrusted hop from the right.
        let client: IpAddr = "203.0.113.7".parse().expect("ip");
        assert_eq!(b.client_address(Some(mapped), &h), client);
        // Only trusted hops: the proxy itself counts.
        assert_eq!(b.client_address(Some(mapped), &headers("10.0.0.2")), mapped.to_canonical());
    }

    #[test]
    fn a_spent_budget_says_when_to_come_back_and_others_are_untouched() {
        let b = budgets(None, &[]);
        let one: IpAddr = "203.0.113.7".parse().expect("ip");
        let other: IpAddr = "198.51.100.9".parse().expect("ip");
        assert!(b.spend(one).is_ok() && b.spend(one).is_ok(), "the burst");
        let wait = b.spend(one).expect_err("spent");
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(b.spend(other).is_ok());
    }

    #[test]
    fn discovery_and_keys_are_free() {
        assert!(is_budgeted("/auth/oauth2/v2.0/token"));
        assert!(is_budgeted("/auth/signup/v1.0/start"));
        assert!(!is_budgeted(crate::http::tokens::DISCOVERY_PATH));
        assert!(!is_budgeted(crate::http::tokens::JWKS_PATH));
        assert!(!is_budgeted("/api/v1/children"));
    }
}

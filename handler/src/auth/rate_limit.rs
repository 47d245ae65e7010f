//! Limits on sign-in attempts, per address from each client and per client, counted in the
//! store ([`crate::store::auth::AuthStore::count_attempt`]) under keyed hashes: the store never
//! holds the address or the client's IP address. An unlisted address is counted as a listed
//! one is, so the limit says nothing about who is a coordinator.
//!
//! There is no limit on an address across all clients: anyone who knows a coordinator's
//! address could then keep them from signing in, and guessing is no threat to a passkey. A
//! stranger's attempts on an address count against the stranger's client only.

use crate::state::AppState;
use crate::store::StoreError;
use crate::store::auth::Attempt;
use axum::http::HeaderMap;
use jiff::SignedDuration;

/// How long a window of attempts lasts.
pub const WINDOW_MINUTES: i64 = 15;
/// Sign-in attempts one client may start for one address in a window.
pub const PER_ADDRESS: u32 = 10;
/// Sign-in or enrolment attempts one client may start in a window.
pub const PER_CLIENT: u32 = 30;

/// The client, as far as the handler can tell: in AWS, CloudFront's `CloudFront-Viewer-Address`
/// (which CloudFront sets itself when the origin request policy forwards it: the viewer's IP
/// address, its port dropped); on this machine, which answers only to itself, one client.
/// `None` when neither: the per-client count is then left to the firewall's per-IP rules,
/// rather than counting every client of the world as one (which anyone could use to lock
/// every coordinator out).
pub fn client_of(headers: &HeaderMap, local: bool) -> Option<String> {
    let viewer = headers
        .get("cloudfront-viewer-address")
        .and_then(|value| value.to_str().ok())
        .map(|address| match address.rsplit_once(':') {
            Some((ip, port)) if port.bytes().all(|b| b.is_ascii_digit()) => ip.to_string(),
            _ => address.to_string(),
        });
    viewer.or_else(|| local.then(|| "local".to_string()))
}

async fn count(
    state: &AppState,
    purpose: &str,
    subject: &str,
    limit: u32,
) -> Result<bool, StoreError> {
    let now = state.received_now();
    state
        .store()
        .count_attempt(Attempt {
            key: super::keyed_hash_hex(state.config(), purpose, subject),
            limit,
            now,
            window_ends: now + SignedDuration::from_mins(WINDOW_MINUTES),
        })
        .await
}

/// Whether a sign-in for `email` from this client may start (and counts it for the address
/// from this client and for the client). A client the handler cannot tell is left to the
/// firewall's per-IP rules ([`client_of`]).
pub async fn allow_sign_in(
    state: &AppState,
    email: &str,
    headers: &HeaderMap,
) -> Result<bool, StoreError> {
    let Some(client) = client_of(headers, state.config().allow_host_origin) else {
        return Ok(true);
    };
    let pair = format!("{email}\0{client}");
    let by_address = count(
        state,
        "passerelle-attempts-address-client",
        &pair,
        PER_ADDRESS,
    )
    .await?;
    Ok(by_address && count(state, "passerelle-attempts-client", &client, PER_CLIENT).await?)
}

/// Counts an attempt from this client, when the client is known.
async fn allow_client(state: &AppState, headers: &HeaderMap) -> Result<bool, StoreError> {
    match client_of(headers, state.config().allow_host_origin) {
        Some(client) => count(state, "passerelle-attempts-client", &client, PER_CLIENT).await,
        None => Ok(true),
    }
}

/// Whether this client may use an invitation link (and counts it).
pub async fn allow_enrolment(state: &AppState, headers: &HeaderMap) -> Result<bool, StoreError> {
    allow_client(state, headers).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_client_is_cloudfronts_viewer_address_without_its_port() {
        let mut headers = HeaderMap::new();
        assert_eq!(client_of(&headers, true).as_deref(), Some("local"));
        assert_eq!(client_of(&headers, false), None);
        headers.insert(
            "cloudfront-viewer-address",
            HeaderValue::from_static("198.51.100.7:46532"),
        );
        assert_eq!(client_of(&headers, false).as_deref(), Some("198.51.100.7"));
        headers.insert(
            "cloudfront-viewer-address",
            HeaderValue::from_static("2001:db8::1:443"),
        );
        assert_eq!(client_of(&headers, true).as_deref(), Some("2001:db8::1"));
    }
}

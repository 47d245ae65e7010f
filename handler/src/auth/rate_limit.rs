//! Limits on sign-in attempts, per address and per client, counted in the store
//! ([`crate::store::auth::AuthStore::count_attempt`]) under keyed hashes: the store never
//! holds the address or the client's IP address. An unlisted address is counted as a listed
//! one is, so the limit says nothing about who is a coordinator.

use crate::state::AppState;
use crate::store::StoreError;
use crate::store::auth::Attempt;
use axum::http::HeaderMap;
use jiff::SignedDuration;

/// How long a window of attempts lasts.
pub const WINDOW_MINUTES: i64 = 15;
/// Sign-in attempts one address may start in a window.
pub const PER_ADDRESS: u32 = 10;
/// Sign-in or enrolment attempts one client may start in a window.
pub const PER_CLIENT: u32 = 30;

/// The client, as far as the handler can tell: in AWS, CloudFront's `CloudFront-Viewer-Address`
/// (which it sets itself; the viewer's IP address, its port dropped); on this machine, which
/// answers only to itself, one client.
pub fn client_of(headers: &HeaderMap) -> String {
    headers
        .get("cloudfront-viewer-address")
        .and_then(|value| value.to_str().ok())
        .map(|address| match address.rsplit_once(':') {
            Some((ip, port)) if port.bytes().all(|b| b.is_ascii_digit()) => ip.to_string(),
            _ => address.to_string(),
        })
        .unwrap_or_else(|| "local".to_string())
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

/// Whether a sign-in for `email` from this client may start (and counts it for both).
pub async fn allow_sign_in(
    state: &AppState,
    email: &str,
    headers: &HeaderMap,
) -> Result<bool, StoreError> {
    let by_address = count(state, "passerelle-attempts-address", email, PER_ADDRESS).await?;
    let by_client = count(
        state,
        "passerelle-attempts-client",
        &client_of(headers),
        PER_CLIENT,
    )
    .await?;
    Ok(by_address && by_client)
}

/// Whether this client may use an invitation link (and counts it).
pub async fn allow_enrolment(state: &AppState, headers: &HeaderMap) -> Result<bool, StoreError> {
    count(
        state,
        "passerelle-attempts-client",
        &client_of(headers),
        PER_CLIENT,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_client_is_cloudfronts_viewer_address_without_its_port() {
        let mut headers = HeaderMap::new();
        assert_eq!(client_of(&headers), "local");
        headers.insert(
            "cloudfront-viewer-address",
            HeaderValue::from_static("198.51.100.7:46532"),
        );
        assert_eq!(client_of(&headers), "198.51.100.7");
        headers.insert(
            "cloudfront-viewer-address",
            HeaderValue::from_static("2001:db8::1:443"),
        );
        assert_eq!(client_of(&headers), "2001:db8::1");
    }
}

//! For integration tests: a signed-in coordinator without a browser or a passkey.
#![doc(hidden)]

use crate::state::AppState;

/// A fresh session for `email`: the `Cookie:` header value and its CSRF token.
#[derive(Debug, Clone)]
pub struct TestSession {
    /// `__Host-passerelle-session=<id>`, for a `Cookie:` header.
    pub cookie: String,
    /// The session's CSRF token (the `csrf` field of every workspace form).
    pub csrf: String,
}

/// Starts a session for `email` in `state`'s store, as a sign-in would.
///
/// # Panics
/// When the store fails (a test's store should not).
pub async fn signed_in(state: &AppState, email: &str) -> TestSession {
    let id = super::start_session(state, email, state.received_now())
        .await
        .expect("the test store starts a session")
        .expect("the coordinator was not removed since now");
    TestSession {
        cookie: format!("{}={id}", super::SESSION_COOKIE),
        csrf: super::csrf_for_id(&id),
    }
}

/// The `Cookie:` header value of a fresh session for `email` ([`signed_in`] has its CSRF
/// token too).
pub async fn signed_in_cookie(state: &AppState, email: &str) -> String {
    signed_in(state, email).await.cookie
}

//! `POST /coordination/{lang}/sign-out`: ends the session on the server, forgets the cookie,
//! and leads to the sign-in page.

use super::LangSegment;
use crate::auth::{self, SignedIn};
use crate::state::AppState;
use crate::store::auth::{Activity, ActivityEntry};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The sign-out form: its CSRF token.
#[derive(Debug, Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    csrf: String,
}

/// Ends the session (after the origin and CSRF check) and logs it.
pub async fn sign_out(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    signed_in: SignedIn,
    headers: HeaderMap,
    Form(form): Form<SignOutForm>,
) -> Response {
    if let Err(refused) = signed_in.check_change(&headers, &form.csrf) {
        return refused.into_response();
    }
    let ended = signed_in.end().await;
    let logged = state
        .store()
        .log_activity(ActivityEntry {
            at: state.received_now(),
            actor: signed_in.coordinator.clone(),
            action: Activity::SignedOut,
        })
        .await;
    if let Err(err) = ended.and(logged) {
        tracing::error!("signing out failed: {err}");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, auth::url(lang, "sign-in?signed-out=1")),
            (
                header::SET_COOKIE,
                auth::clear_session_cookie_header()
                    .to_str()
                    .unwrap_or_default()
                    .to_string(),
            ),
        ],
    )
        .into_response()
}

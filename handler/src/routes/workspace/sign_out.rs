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

/// Ends the session (after the origin and CSRF check) and logs it. A session already over
/// (expired, ended elsewhere) leads to the sign-in page all the same: there is nothing to end.
pub async fn sign_out(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    signed_in: Result<SignedIn, Response>,
    headers: HeaderMap,
    Form(form): Form<SignOutForm>,
) -> Response {
    let signed_in = match signed_in {
        Ok(signed_in) => signed_in,
        Err(rejection) if rejection.status() == StatusCode::UNAUTHORIZED => {
            return to_sign_in(lang);
        }
        Err(rejection) => return rejection,
    };
    if let Err(refused) = signed_in.check_change(&headers, &form.csrf) {
        return refused.into_response();
    }
    let ended = signed_in.end().await;
    let logged = state
        .store()
        .log_activity(ActivityEntry {
            at: state.received_now(),
            actor: signed_in.coordinator.clone(),
            date_only: false,
            action: Activity::SignedOut,
        })
        .await;
    if let Err(err) = ended.and(logged) {
        return super::session::unavailable(&state, lang, "", &err);
    }
    to_sign_in(lang)
}

/// The sign-in page with "You are signed out", the cookie forgotten.
fn to_sign_in(lang: model::Lang) -> Response {
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

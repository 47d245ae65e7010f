//! What sign-in and enrolment share: starting a session once a passkey is checked (a new id,
//! the cookie, the activity log), and the refusal line the alarm counts.

use crate::auth::{self, passkey::CeremonyError};
use crate::state::AppState;
use crate::store::auth::{Activity, ActivityEntry};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::Lang;

/// Starts a session for `email`, granted from `granted_at` (when its proof began: not if the
/// coordinator was removed since), after `actions`, logged with it, and leads to the inbox. A
/// session the browser still had (`headers`' cookie) ends: one browser, one session.
pub async fn start(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    (email, granted_at): (&str, jiff::Timestamp),
    actions: &[Activity],
) -> Response {
    let started = async {
        if let Some(previous) = auth::session_hash_in(headers) {
            state.store().end_session(&previous).await?;
        }
        let Some(id) = auth::start_session(state, email, granted_at).await? else {
            return Ok(None);
        };
        for action in actions {
            state
                .store()
                .log_activity(ActivityEntry {
                    at: state.received_now(),
                    actor: email.to_string(),
                    date_only: false,
                    action: action.clone(),
                })
                .await?;
        }
        Ok::<_, crate::store::StoreError>(Some(id))
    }
    .await;
    match started {
        Ok(None) => {
            refused("revoked");
            (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, auth::url(lang, "sign-in"))],
            )
                .into_response()
        }
        Ok(Some(id)) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, auth::url(lang, "")),
                (
                    header::SET_COOKIE,
                    auth::session_cookie_header(&id)
                        .to_str()
                        .unwrap_or_default()
                        .to_string(),
                ),
            ],
        )
            .into_response(),
        Err(err) => unavailable(state, lang, "", &err),
    }
}

/// Logs a refused sign-in or enrolment: one `workspace_sign_in_refused` line with its reason
/// (never the address), which the alarm in infra/template.yaml counts.
pub fn refused(reason: &str) {
    tracing::warn!(reason, "workspace_sign_in_refused");
}

/// A ceremony that failed for a reason of the server's own (the store, the settings): the
/// 503 page ([`unavailable`]).
pub fn server_failure(
    state: &AppState,
    lang: Lang,
    path: &str,
    err: &CeremonyError,
) -> Option<Response> {
    match err {
        CeremonyError::Store(_) | CeremonyError::Config(_) => {
            Some(unavailable(state, lang, path, err))
        }
        _ => None,
    }
}

/// The store failed: logged (the error names no person), a 503 page in `lang` at `path`,
/// the same page as the other workspace pages' (views::unavailable), leading to sign-in.
pub fn unavailable(
    state: &AppState,
    lang: Lang,
    path: &str,
    err: &dyn std::fmt::Display,
) -> Response {
    tracing::error!("the workspace's store failed: {err}");
    super::page::message(
        state,
        lang,
        path,
        None,
        StatusCode::SERVICE_UNAVAILABLE,
        "workspace_unavailable_title",
        super::page::Message {
            text_key: "workspace_unavailable_text",
            link: Some((auth::url(lang, "sign-in"), "workspace_go_to_sign_in")),
        },
    )
}

/// A change [`auth::SignedIn::check_change`] refused: the workspace's 403 page, in the
/// language of the request's path.
impl IntoResponse for auth::Refused {
    fn into_response(self) -> Response {
        super::forbidden(&self.state, self.lang)
    }
}

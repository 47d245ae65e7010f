//! `GET /api/forms/{form}?lang=`: back to the form's page (after a reload of an error page).

use super::responses::{Format, refusal};
use crate::state::AppState;
use crate::words;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::Lang;
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct LangQuery {
    lang: Option<String>,
}

/// A GET on the form's address (a reload after an error page): back to the form's page.
pub(super) async fn back_to_form(
    State(state): State<AppState>,
    Path(form): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query
        .lang
        .as_deref()
        .and_then(Lang::from_code)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split([',', ';']).next())
                .and_then(Lang::from_code)
        })
        .unwrap_or(Lang::En);
    match state.pages().url(&form, lang) {
        Some(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response(),
        None => refusal(
            &state,
            StatusCode::NOT_FOUND,
            Format::Form,
            words::NOT_FOUND,
        ),
    }
}

//! `GET /api/withdraw?lang=&token=`: a person's withdrawal page, from the personal link of their
//! registration's email (crate::withdrawal): it says, in their language, what will be
//! cancelled, and asks to confirm. `POST /api/withdraw` (the page's own form: same-origin
//! only, as the forms) cancels it: the place goes to the first person waiting in the same step
//! (crate::store::places), and the page says it is done. A used, expired, unknown or damaged
//! link gets a page that says so, in the language the link names. No sign-in: the link is the
//! key, and it works once.

use super::frame::{Frame, page_frame};
use super::responses::{Format, html, refusal};
use crate::content::Content;
use crate::origin;
use crate::pages::SupportLine;
use crate::state::AppState;
use crate::store::places::{PlaceAction, PlaceOutcome, WithdrawalLink};
use crate::store::{Status, StoredSubmission};
use crate::waiting_list;
use crate::withdrawal::{PATH, WithdrawalToken};
use crate::words;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::Lang;
use model::typography::in_lang;
use render::error_chain;
use serde::{Deserialize, Serialize};

/// What the link (or the posted form) carries.
#[derive(Debug, Default, Deserialize)]
pub(super) struct LinkParams {
    lang: Option<String>,
    token: Option<String>,
    /// The done page a confirmed withdrawal is redirected to (`registered` or `waiting`:
    /// what was cancelled), so a reload shows it again instead of "already used".
    done: Option<String>,
}

impl LinkParams {
    fn lang(&self) -> Lang {
        self.lang
            .as_deref()
            .and_then(Lang::from_code)
            .unwrap_or(Lang::En)
    }
}

/// What a page says: a refusal, the question, or that it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Said {
    Invalid,
    /// The store could not be read: try again later (never "this link does not work").
    Unavailable,
    Used,
    Expired,
    Confirm {
        waiting: bool,
    },
    Done {
        waiting: bool,
    },
}

impl Said {
    /// Its title's and text's keys in content/strings.toml, and its status code. Refusals are
    /// 410 (used, expired), 400 (unknown) and 503 (the store unreachable), never 404: CloudFront answers every 404 from the
    /// API with the site's "page not found", which would hide what happened.
    fn keys(self) -> (&'static str, &'static str, StatusCode) {
        match self {
            Said::Invalid => (
                "withdraw_invalid_title",
                "withdraw_invalid_text",
                StatusCode::BAD_REQUEST,
            ),
            Said::Unavailable => (
                "unavailable_title",
                "unavailable_text",
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            Said::Used => (
                "withdraw_used_title",
                "withdraw_used_text",
                StatusCode::GONE,
            ),
            Said::Expired => (
                "withdraw_expired_title",
                "withdraw_expired_text",
                StatusCode::GONE,
            ),
            Said::Confirm { waiting: false } => (
                "withdraw_confirm_title",
                "withdraw_confirm_text",
                StatusCode::OK,
            ),
            Said::Confirm { waiting: true } => (
                "withdraw_confirm_waiting_title",
                "withdraw_confirm_waiting_text",
                StatusCode::OK,
            ),
            Said::Done { waiting: false } => {
                ("withdraw_done_title", "withdraw_done_text", StatusCode::OK)
            }
            Said::Done { waiting: true } => (
                "withdraw_done_waiting_title",
                "withdraw_done_text",
                StatusCode::OK,
            ),
        }
    }
}

/// The page's own context (`withdraw` in templates/withdraw.html).
#[derive(Serialize)]
struct WithdrawView {
    title: String,
    text: String,
    done: bool,
    confirm: Option<ConfirmView>,
    support: SupportLine,
}

/// The question: what will be cancelled, and the form that cancels it.
#[derive(Serialize)]
struct ConfirmView {
    group_label: String,
    group: String,
    reference_label: String,
    reference: String,
    warning: String,
    button: String,
    token: String,
    lang: Lang,
    keep: String,
    keep_url: String,
}

/// A valid link: its registration, still registered or waiting, and its token.
struct Found {
    stored: StoredSubmission,
    token: WithdrawalToken,
}

/// What the link names, or what to say instead.
async fn find(state: &AppState, params: &LinkParams) -> Result<Found, Said> {
    let token = params
        .token
        .as_deref()
        .and_then(WithdrawalToken::parse)
        .ok_or(Said::Invalid)?;
    let store = state.store();
    let link: WithdrawalLink = match store.withdrawal_link(&token.hash()).await {
        Ok(Some(link)) => link,
        Ok(None) => return Err(Said::Invalid),
        Err(err) => {
            tracing::error!("reading a withdrawal link failed: {err}");
            return Err(Said::Unavailable);
        }
    };
    let stored = match store.get(&link.reference).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return Err(Said::Used),
        Err(err) => {
            tracing::error!("reading a registration failed: {err}");
            return Err(Said::Unavailable);
        }
    };
    if link.used || !matches!(stored.status, Status::Registered | Status::Waitlisted) {
        return Err(Said::Used);
    }
    if offerings_now(state) >= link.valid_until {
        return Err(Said::Expired);
    }
    Ok(Found { stored, token })
}

pub(super) async fn show(
    State(state): State<AppState>,
    Query(params): Query<LinkParams>,
) -> Response {
    let lang = params.lang();
    if let Some(done) = params.done.as_deref() {
        let waiting = done == "waiting";
        return page(&state, lang, &params, Said::Done { waiting }, None);
    }
    match find(&state, &params).await {
        Ok(found) => {
            let waiting = found.stored.status == Status::Waitlisted;
            page(
                &state,
                lang,
                &params,
                Said::Confirm { waiting },
                Some(&found),
            )
        }
        Err(said) => page(&state, lang, &params, said, None),
    }
}

pub(super) async fn withdraw(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !origin::allowed(&headers, state.config()) {
        return refusal(
            &state,
            StatusCode::FORBIDDEN,
            Format::Form,
            words::FORBIDDEN,
        );
    }
    let params: LinkParams = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let lang = params.lang();
    let found = match find(&state, &params).await {
        Ok(found) => found,
        Err(said) => return page(&state, lang, &params, said, None),
    };
    let waiting = found.stored.status == Status::Waitlisted;
    let action = PlaceAction::WithdrawByLink {
        token_hash: found.token.hash(),
    };
    let content = state.content();
    let change = waiting_list::change_for(
        &content,
        state.config(),
        &found.stored,
        action,
        offerings_now(&state),
    );
    let said = match state.store().change_place(change).await {
        Ok(PlaceOutcome::Changed { promoted, .. }) => {
            // No reference in the log: the line says only that the waiting list moved.
            tracing::info!(promoted = promoted.is_some(), "withdrawal");
            // Its notices (the coordinators', the person's confirmation) were queued with it.
            state.wake_notifier();
            // Post, redirect, get: a reload of the done page does not post again.
            let done = if waiting { "waiting" } else { "registered" };
            let location = format!("{PATH}?lang={}&done={done}", lang.code());
            return (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
        }
        Ok(PlaceOutcome::AlreadyDone { .. }) => Said::Used,
        Ok(PlaceOutcome::LinkExpired) => Said::Expired,
        Ok(PlaceOutcome::NotFound) => Said::Invalid,
        Err(err) => {
            tracing::error!("a withdrawal failed: {err}");
            Said::Unavailable
        }
    };
    page(&state, lang, &params, said, None)
}

/// The question's details: the group, the reference, and the form's words.
fn confirm_view(content: &Content, lang: Lang, found: &Found, waiting: bool) -> ConfirmView {
    let words = content.words();
    let def = content.form(&found.stored.submission.form);
    let group = def
        .and_then(|def| {
            let choice = found.stored.submission.cohort(def)?;
            choice.describe(&content.offerings, lang, &def.words)
        })
        .unwrap_or_default();
    let reference_label = def.map_or_else(
        || words.get("form_reference_label", lang),
        |def| in_lang(def.words.reference_label.get(lang), lang),
    );
    let (warning, button) = match waiting {
        false => ("withdraw_place_goes_on", "withdraw_confirm_button"),
        true => (
            "withdraw_waiting_goes_on",
            "withdraw_confirm_waiting_button",
        ),
    };
    ConfirmView {
        group_label: words.get("withdraw_group_label", lang),
        group: in_lang(&group, lang),
        reference_label,
        reference: found.stored.reference.to_string(),
        warning: words.get(warning, lang),
        button: words.get(button, lang),
        token: found.token.expose().to_string(),
        lang,
        keep: words.get("withdraw_keep", lang),
        keep_url: format!("/{}/", lang.code()),
    }
}

/// The page in `lang` (templates/withdraw.html); the toggle leads to the same page in the
/// other language (a confirmation asked again there, or the same refusal).
fn page(
    state: &AppState,
    lang: Lang,
    params: &LinkParams,
    said: Said,
    found: Option<&Found>,
) -> Response {
    let content = state.content();
    let words = content.words();
    let (title_key, text_key, status) = said.keys();
    let confirm = match (said, found) {
        (Said::Confirm { waiting }, Some(found)) => {
            Some(confirm_view(&content, lang, found, waiting))
        }
        _ => None,
    };
    let view = WithdrawView {
        title: words.get(title_key, lang),
        text: words.get(text_key, lang),
        done: matches!(said, Said::Done { .. }),
        confirm,
        support: SupportLine::new(words, lang),
    };
    let url = |lang: Lang| match (&params.token, said) {
        (Some(token), Said::Confirm { .. }) => {
            format!("{PATH}?lang={}&token={}", lang.code(), urlencode(token))
        }
        (_, Said::Done { waiting }) => {
            let done = if waiting { "waiting" } else { "registered" };
            format!("{PATH}?lang={}&done={done}", lang.code())
        }
        _ => format!("{PATH}?lang={}", lang.code()),
    };
    let frame = page_frame(
        state,
        lang,
        Frame {
            template: "withdraw.html",
            title_key,
            url: url(lang),
            other_url: url(lang.other()),
        },
    );
    let mut context = frame.context();
    context.insert("withdraw", &view);
    match content.templates.render(&frame.template, &context) {
        Ok(page) => html(status, page),
        Err(err) => {
            tracing::error!(
                "rendering the withdrawal page failed: {}",
                error_chain(&err)
            );
            refusal(
                state,
                StatusCode::INTERNAL_SERVER_ERROR,
                Format::Form,
                words::UNAVAILABLE,
            )
        }
    }
}

/// The moment links and cohorts are judged at: the router's fixed clock (previews and tests),
/// or the real time.
fn offerings_now(state: &AppState) -> jiff::Timestamp {
    state.now(&state.content()).timestamp()
}

/// Only a well-formed token goes back into a link (hexadecimal: nothing to escape); anything
/// else is left out.
fn urlencode(token: &str) -> String {
    WithdrawalToken::parse(token)
        .map(|t| t.expose().to_string())
        .unwrap_or_default()
}

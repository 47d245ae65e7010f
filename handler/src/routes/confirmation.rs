//! `GET /api/forms/{form}/confirmation`: the form's page with the confirmation panel in place of
//! the form, for an address the handler signed ([`crate::confirmation`]).

use super::responses::{Format, html, refusal, unrenderable};
use crate::confirmation::{Claims, ConfirmationKey};
use crate::pages::{self, ConfirmationView, FormState, SupportLine};
use crate::reference::Reference;
use crate::state::AppState;
use crate::store::Status;
use crate::words::{self, confirmation_for};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use model::Lang;
use model::forms::FormDef;
use model::typography::in_lang;
use serde::Deserialize;

/// The confirmation page's address, signed with `key`. An anonymous form's carries no
/// reference (`None`): it would sit in the browser's history and suggest the feedback can be
/// traced. `acknowledged` says an acknowledgement email is on its way.
pub fn confirmation_url(
    key: &ConfirmationKey,
    form: &str,
    reference: Option<&Reference>,
    lang: Lang,
    status: Status,
    acknowledged: bool,
) -> String {
    let signature = key.sign(&Claims {
        form,
        reference: reference.map(Reference::as_str),
        lang: lang.code(),
        status: status.as_str(),
        acknowledged,
    });
    let reference = reference.map(|r| format!("ref={r}&")).unwrap_or_default();
    let ack = if acknowledged { "ack=1&" } else { "" };
    format!(
        "/api/forms/{form}/confirmation?{reference}sig={signature}&{ack}lang={}&status={}",
        lang.code(),
        status.as_str()
    )
}

#[derive(Deserialize)]
pub(super) struct ConfirmationQuery {
    #[serde(rename = "ref")]
    reference: Option<String>,
    lang: Option<String>,
    status: Option<String>,
    ack: Option<String>,
    sig: Option<String>,
}

/// What a confirmation address says, if the handler signed it: the reference (none for an
/// anonymous form, whatever the address carries), the language, the status, and whether an
/// acknowledgement is on its way.
struct Confirmed {
    reference: Option<Reference>,
    lang: Lang,
    status: Status,
    acknowledged: bool,
}

/// Reads a confirmation address; `None` when it is malformed or not signed by `key`.
fn confirmed(key: &ConfirmationKey, def: &FormDef, query: &ConfirmationQuery) -> Option<Confirmed> {
    // An anonymous form shows no reference, even on an old link that carries one.
    let reference = match &query.reference {
        _ if def.anonymous => None,
        Some(text) => Some(Reference::parse(text)?),
        None => return None,
    };
    let lang = Lang::from_code(query.lang.as_deref()?)?;
    let status = Status::parse(query.status.as_deref()?)?;
    let acknowledged = query.ack.as_deref() == Some("1");
    let claims = Claims {
        form: &def.id,
        reference: reference.as_ref().map(Reference::as_str),
        lang: lang.code(),
        status: status.as_str(),
        acknowledged,
    };
    key.verify(&claims, query.sig.as_deref()?)
        .then_some(Confirmed {
            reference,
            lang,
            status,
            acknowledged: acknowledged && def.acknowledges(),
        })
}

pub(super) async fn confirmation(
    State(state): State<AppState>,
    Path(form): Path<String>,
    Query(query): Query<ConfirmationQuery>,
) -> Response {
    let content = state.content();
    let Some(def) = content.form(&form) else {
        return refusal(
            &state,
            StatusCode::NOT_FOUND,
            Format::Form,
            words::NOT_FOUND,
        );
    };
    let key = &state.config().confirmation_key;
    let Some(Confirmed {
        reference,
        lang,
        status,
        acknowledged,
    }) = confirmed(key, def, &query)
    else {
        return refusal(
            &state,
            StatusCode::BAD_REQUEST,
            Format::Form,
            words::BAD_LINK,
        );
    };
    let text = confirmation_for(def, status);
    let typeset = |s: &str| in_lang(s, lang);
    let view = ConfirmationView {
        title: typeset(text.title.get(lang)),
        reference_label: typeset(def.words.reference_label.get(lang)),
        reference: reference.as_ref().map(|r| r.to_string()),
        acknowledgement: acknowledged.then(|| typeset(def.words.acknowledgement_sent.get(lang))),
        next_title: typeset(def.words.what_happens_next.get(lang)),
        next_steps: text
            .next_steps
            .iter()
            .map(|s| typeset(s.get(lang)))
            .collect(),
        support: Some(SupportLine::new(content.words(), lang)),
    };
    // The toggle shows this same confirmation in the other language (the form there would be
    // empty).
    let toggle = confirmation_url(
        key,
        &def.id,
        reference.as_ref(),
        lang.other(),
        status,
        acknowledged,
    );
    let form = def.view(lang, &content.offerings, &state.now(&content));
    let page = state.pages().page(&def.id, lang);
    match pages::form_page(
        &content,
        page,
        def,
        &form,
        FormState::Confirmation {
            view: &view,
            toggle,
        },
    ) {
        Ok(page) => html(StatusCode::OK, page),
        Err(err) => unrenderable(&state, def, &err, Format::Form),
    }
}

//! `GET /coordination/{lang}/export`: the page to choose a form (and, for a registration form,
//! an offering); with `?form=` (and `&offering=`), the CSV of `handler export`
//! ([`crate::export`]) downloaded as a file (`Content-Disposition: attachment`), logged as
//! `Exported` with its row count.

use super::LangSegment;
use super::page::{self, Page};
use super::views::{self, Choice, ErrorLink, PageQuery, SummaryWords};
use crate::auth::SignedIn;
use crate::state::AppState;
use crate::store::auth::Activity;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::Lang;
use model::typography::in_lang;
use serde::{Deserialize, Serialize};

/// The export's choices (empty: the page to choose them).
#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    form: String,
    #[serde(default)]
    offering: String,
}

/// What `workspace/export.html` sees besides the frame.
#[derive(Debug, Serialize)]
struct ExportContext {
    form: SummaryWords,
    errors: Vec<ErrorLink>,
    forms: Vec<Choice>,
    offerings: Vec<Choice>,
}

/// The export page, or the CSV file.
pub async fn export(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    who: SignedIn,
    PageQuery(query): PageQuery<ExportQuery>,
) -> Response {
    if query.form.is_empty() && query.offering.is_empty() {
        return page(&state, lang, &who, &query, Vec::new());
    }
    let content = state.content();
    let words = content.words();
    let Some(def) = content.form(&query.form) else {
        let error = ErrorLink {
            href: "#form".into(),
            message: words.get("workspace_export_form_missing", lang),
        };
        return page(&state, lang, &who, &query, vec![error]);
    };
    let offering = (!query.offering.is_empty()).then_some(query.offering.as_str());
    let known = offering.is_none_or(|id| content.offerings.iter().any(|o| o.id == id));
    if !known || (offering.is_some() && def.cohort_field().is_none()) {
        let error = ErrorLink {
            href: "#offering".into(),
            message: words.get("workspace_export_offering_invalid", lang),
        };
        return page(&state, lang, &who, &query, vec![error]);
    }
    let submissions = match state.store().list(&def.id).await {
        Ok(submissions) => submissions,
        Err(err) => return views::unavailable(&state, lang, "export", &err),
    };
    let mut csv = Vec::new();
    let rows = match crate::export::write_csv(&mut csv, def, &submissions, offering, &content.tz) {
        Ok(rows) => rows,
        Err(err) => {
            tracing::error!("writing an export failed: {err}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let exported = Activity::Exported {
        form: def.id.clone(),
        offering: offering.map(str::to_string),
        rows,
    };
    // An export lists every submission of the form, not one: no date to keep back.
    if let Err(err) = views::log(&state, &who.coordinator, exported, false).await {
        return views::unavailable(&state, lang, "export", &err);
    }
    download(&state, &def.id, offering, csv)
}

/// The CSV as a download: `<form>[-<offering>]-<date>.csv`, never cached.
fn download(state: &AppState, form: &str, offering: Option<&str>, csv: Vec<u8>) -> Response {
    let date = state
        .received_now()
        .to_zoned(state.content().tz.clone())
        .date();
    let name = match offering {
        Some(offering) => format!("{form}-{offering}-{date}.csv"),
        None => format!("{form}-{date}.csv"),
    };
    // Form and offering ids are slugs (checked when content loads): safe in a header.
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        csv,
    )
        .into_response()
}

/// The page to choose what to export, with `errors` (then a 400).
fn page(
    state: &AppState,
    lang: Lang,
    who: &SignedIn,
    query: &ExportQuery,
    errors: Vec<ErrorLink>,
) -> Response {
    let content = state.content();
    let words = content.words();
    let context = ExportContext {
        form: SummaryWords::new(words, lang),
        forms: content
            .forms
            .iter()
            .map(|def| Choice {
                value: def.id.clone(),
                label: in_lang(def.title.get(lang), lang),
                selected: def.id == query.form,
            })
            .collect(),
        offerings: content
            .offerings
            .iter()
            .map(|o| Choice {
                value: o.id.clone(),
                label: in_lang(model::offering::title(o, lang), lang),
                selected: o.id == query.offering,
            })
            .collect(),
        errors,
    };
    let status = if context.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = Page {
        template: "workspace/export.html",
        title_key: "workspace_export_title",
        path: "export",
    };
    page::render_page(state, lang, page, Some(who), status, &context)
}

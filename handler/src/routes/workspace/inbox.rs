//! `GET /coordination/{lang}/`: the inbox. Each form's submissions, newest first, with their
//! progress, the counts per progress and the flag on those whose retention ends soon;
//! filtered by form and progress through a GET form (`?form=&progress=`). Never an answer.

use super::LangSegment;
use super::page::{self, Page};
use super::views::{
    self, Choice, Deletion, ErrorLink, PageQuery, ProgressView, SummaryWords, When,
};
use crate::auth::{self, SignedIn};
use crate::reference::Reference;
use crate::state::AppState;
use crate::store::inbox::{FormInbox, Progress, SubmissionSummary};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use model::forms::FormDef;
use model::{Lang, Offering};
use serde::{Deserialize, Serialize};

/// The filter's fields, and the reference of a submission just deleted (its notice).
#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    form: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    deleted: String,
}

/// What `workspace/inbox.html` sees besides the frame.
#[derive(Debug, Serialize)]
struct InboxContext {
    form: SummaryWords,
    errors: Vec<ErrorLink>,
    notice: Option<String>,
    forms: Vec<Choice>,
    progresses: Vec<Choice>,
    sections: Vec<Section>,
}

/// One form's part of the inbox.
#[derive(Debug, Serialize)]
struct Section {
    id: String,
    title: String,
    caption: String,
    counts: Vec<String>,
    /// Whether the form takes places (a column for the place status and cohort).
    shows_place: bool,
    rows: Vec<Row>,
    empty: String,
}

/// One submission's line.
#[derive(Debug, Serialize)]
struct Row {
    reference: String,
    url: String,
    received: When,
    place: Option<String>,
    progress: ProgressView,
    deletion: Option<Deletion>,
}

/// The inbox page.
pub async fn inbox(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    who: SignedIn,
    PageQuery(query): PageQuery<InboxQuery>,
) -> Response {
    let content = state.content();
    let words = content.words();
    let mut errors = Vec::new();
    let form = match query.form.as_str() {
        "" => None,
        id => match content.form(id) {
            Some(def) => Some(def.id.clone()),
            None => {
                errors.push(error(&state, lang, "form", "workspace_filter_form_unknown"));
                None
            }
        },
    };
    let progress = match query.progress.as_str() {
        "" => None,
        value => Progress::parse(value).or_else(|| {
            errors.push(error(
                &state,
                lang,
                "progress",
                "workspace_filter_progress_unknown",
            ));
            None
        }),
    };
    let mut sections = Vec::new();
    for def in content
        .forms
        .iter()
        .filter(|d| form.as_ref().is_none_or(|f| *f == d.id))
    {
        match state.store().inbox(&def.id, progress).await {
            Ok(inbox) => sections.push(section(&state, def, &content.offerings, inbox, lang)),
            Err(err) => return views::unavailable(&state, lang, "", &err),
        }
    }
    let notice = Reference::parse(&query.deleted).map(|reference| {
        words
            .get("workspace_deleted_notice", lang)
            .replace("{reference}", reference.as_str())
    });
    let context = InboxContext {
        form: SummaryWords::new(words, lang),
        notice,
        forms: content
            .forms
            .iter()
            .map(|def| Choice {
                value: def.id.clone(),
                label: model::typography::in_lang(def.title.get(lang), lang),
                selected: form.as_deref() == Some(&def.id),
            })
            .collect(),
        progresses: Progress::ALL
            .into_iter()
            .map(|p| Choice {
                value: p.as_str().to_string(),
                label: words.get(views::progress_key(p), lang),
                selected: progress == Some(p),
            })
            .collect(),
        errors,
        sections,
    };
    let page = Page {
        template: "workspace/inbox.html",
        title_key: "workspace_inbox_title",
        path: "",
    };
    let status = if context.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    page::render_page(&state, lang, page, Some(&who), status, &context)
}

fn error(state: &AppState, lang: Lang, field: &str, key: &str) -> ErrorLink {
    ErrorLink {
        href: format!("#{field}"),
        message: state.content().words().get(key, lang),
    }
}

/// A form's section of the inbox.
fn section(
    state: &AppState,
    def: &FormDef,
    offerings: &[Offering],
    inbox: FormInbox,
    lang: Lang,
) -> Section {
    let content = state.content();
    let words = content.words();
    let title = model::typography::in_lang(def.title.get(lang), lang);
    let count = |key: &str, n: usize| {
        words
            .get("workspace_count", lang)
            .replace("{label}", &words.get(key, lang))
            .replace("{count}", &n.to_string())
    };
    let now = state.received_now();
    Section {
        id: def.id.clone(),
        caption: words
            .get("workspace_inbox_caption", lang)
            .replace("{form}", &title)
            .replace("{count}", &inbox.summaries.len().to_string()),
        counts: vec![
            count("workspace_count_new", inbox.counts.new),
            count("workspace_count_in_progress", inbox.counts.in_progress),
            count("workspace_count_done", inbox.counts.done),
        ],
        shows_place: def.cohort_field().is_some(),
        rows: inbox
            .summaries
            .iter()
            .map(|summary| row(state, def, offerings, summary, lang, now))
            .collect(),
        empty: words.get("workspace_inbox_empty", lang),
        title,
    }
}

fn row(
    state: &AppState,
    def: &FormDef,
    offerings: &[Offering],
    summary: &SubmissionSummary,
    lang: Lang,
    now: jiff::Timestamp,
) -> Row {
    let content = state.content();
    let words = content.words();
    let reference = summary.reference.as_str().to_string();
    Row {
        url: auth::url(lang, &format!("submissions/{reference}")),
        received: views::when(summary.received_at, &content.site, lang, def.anonymous),
        place: views::place(
            words,
            offerings,
            summary.status,
            summary.offering.as_deref(),
            summary.cohort.as_deref(),
            lang,
        ),
        progress: ProgressView::new(words, summary.handling.progress(), lang),
        deletion: views::deletion(state, summary.received_at, summary.handling, lang, now),
        reference,
    }
}

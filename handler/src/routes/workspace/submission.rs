//! One submission: `GET /coordination/{lang}/submissions/{reference}` shows its answers with
//! their labels in the coordinator's language (the person's chosen contact way and language
//! first; hidden characters revealed as in the notice), its place and progress, and the
//! actions: `POST .../progress` sets the progress, `GET .../delete` asks to confirm and
//! `POST .../delete` deletes it now. Each view is logged (`Viewed`), each change too.

use super::LangSegment;
use super::page::{self, Page};
use super::views::{
    self, Choice, Deletion, ErrorLink, PageQuery, ProgressView, SummaryWords, When,
};
use crate::auth::{self, SignedIn};
use crate::reference::Reference;
use crate::reveal::reveal;
use crate::state::AppState;
use crate::store::Status;
use crate::store::auth::Activity;
use crate::store::inbox::{HandledSubmission, Handling, Progress};
use crate::store::places::{PlaceAction, PlaceOutcome};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::Lang;
use model::forms::{FieldKind, FormDef, LANGUAGE_FIELD};
use model::typography::in_lang;
use serde::{Deserialize, Serialize};

/// One answer with its label.
#[derive(Debug, Serialize)]
struct AnswerView {
    label: String,
    value: String,
}

/// What `workspace/submission.html` sees besides the frame.
#[derive(Debug, Serialize)]
struct SubmissionContext {
    form: SummaryWords,
    errors: Vec<ErrorLink>,
    notice: Option<String>,
    reference: String,
    heading: String,
    received: When,
    place: Option<String>,
    progress: ProgressView,
    deletion: Option<Deletion>,
    /// The contact way and language the person chose.
    first: Vec<AnswerView>,
    answers: Vec<AnswerView>,
    csrf: String,
    progress_action: String,
    progress_choices: Vec<Choice>,
    delete_url: String,
}

/// The address of a submission's page, or of one of its actions (`suffix`: `/delete`).
fn submission_url(lang: Lang, reference: &Reference, suffix: &str) -> String {
    auth::url(lang, &format!("submissions/{reference}{suffix}"))
}

/// "No such submission" (deleted, past its retention, or never there).
fn not_found(state: &AppState, lang: Lang) -> Response {
    page::message(
        state,
        lang,
        "",
        None,
        StatusCode::NOT_FOUND,
        "workspace_not_found_title",
        page::Message {
            text_key: "workspace_not_found_text",
            link: Some((auth::url(lang, ""), "workspace_back_to_inbox")),
        },
    )
}

/// The submission `reference` names, or the response to give instead (404, 503).
async fn find(
    state: &AppState,
    lang: Lang,
    reference: &str,
) -> Result<(Reference, HandledSubmission, FormDef), Response> {
    let not_found = || not_found(state, lang);
    let Some(reference) = Reference::parse(reference) else {
        return Err(not_found());
    };
    let handled = match state.store().handled(&reference).await {
        Ok(Some(handled)) => handled,
        Ok(None) => return Err(not_found()),
        Err(err) => return Err(views::unavailable(state, lang, "", &err)),
    };
    let content = state.content();
    let Some(def) = content.form(&handled.stored.submission.form).cloned() else {
        return Err(not_found());
    };
    Ok((reference, handled, def))
}

/// The submission's page (and the log line that says it was seen).
pub async fn show(
    State(state): State<AppState>,
    Path((LangSegment(lang), reference)): Path<(LangSegment, String)>,
    who: SignedIn,
    PageQuery(query): PageQuery<ShowQuery>,
) -> Response {
    let (reference, handled, def) = match find(&state, lang, &reference).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let viewed = Activity::Viewed {
        reference: reference.clone(),
    };
    if let Err(err) = views::log(&state, &who.coordinator, viewed, def.anonymous).await {
        return views::unavailable(&state, lang, "", &err);
    }
    let content = state.content();
    let notice = (query.saved == "true").then(|| {
        let words = content.words();
        let progress = words.get(views::progress_key(handled.handling.progress()), lang);
        words
            .get("workspace_progress_saved", lang)
            .replace("{progress}", &progress)
    });
    let shown = Shown {
        errors: Vec::new(),
        notice,
        status: StatusCode::OK,
    };
    render(&state, lang, &who, &handled, &def, shown)
}

/// `?saved=true` after the progress was set (its notice); any other value shows none (text,
/// so that a changed address still shows the page rather than a bare 400).
#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    saved: String,
}

/// How the page is shown: what needs fixing, what was just done, and the status.
struct Shown {
    errors: Vec<ErrorLink>,
    notice: Option<String>,
    status: StatusCode,
}

/// The page of `handled`, as `shown`.
fn render(
    state: &AppState,
    lang: Lang,
    who: &SignedIn,
    handled: &HandledSubmission,
    def: &FormDef,
    shown: Shown,
) -> Response {
    let content = state.content();
    let words = content.words();
    let stored = &handled.stored;
    let reference = &stored.reference;
    let (first, answers) = answers(def, handled, &content.offerings, lang);
    let progress = handled.handling.progress();
    let context = SubmissionContext {
        form: SummaryWords::new(words, lang),
        errors: shown.errors,
        notice: shown.notice,
        reference: reference.to_string(),
        heading: words
            .get("workspace_submission_heading", lang)
            .replace("{form}", &in_lang(def.title.get(lang), lang))
            .replace("{reference}", reference.as_str()),
        received: views::when(stored.received_at, &content.site, lang, def.anonymous),
        place: views::place(
            words,
            &content.offerings,
            stored.status,
            handled.offering.as_deref(),
            handled.cohort.as_deref(),
            lang,
        ),
        progress: ProgressView::new(words, progress, lang),
        deletion: views::deletion(
            state,
            stored.received_at,
            handled.handling,
            lang,
            state.received_now(),
        ),
        first,
        answers,
        csrf: who.csrf().to_string(),
        progress_action: submission_url(lang, reference, "/progress"),
        progress_choices: Progress::ALL
            .into_iter()
            .map(|p| Choice {
                value: p.as_str().to_string(),
                label: words.get(views::progress_key(p), lang),
                selected: p == progress,
            })
            .collect(),
        delete_url: submission_url(lang, reference, "/delete"),
    };
    let path = format!("submissions/{reference}");
    let page = Page {
        template: "workspace/submission.html",
        title_key: "workspace_submission_title",
        path: &path,
    };
    page::render_page(state, lang, page, Some(who), shown.status, &context)
}

/// The answers in the form's order, with their labels in `lang`, hidden characters revealed;
/// the contact way (the field the acknowledgement depends on), the addresses to reach the
/// person at, and their language apart, first.
fn answers(
    def: &FormDef,
    handled: &HandledSubmission,
    offerings: &[model::Offering],
    lang: Lang,
) -> (Vec<AnswerView>, Vec<AnswerView>) {
    let submission = &handled.stored.submission;
    let contact = def
        .acknowledgement
        .as_ref()
        .and_then(|a| a.only_when.as_ref())
        .map(|c| c.field.as_str());
    let answered = def
        .fields
        .iter()
        .filter(|f| submission.answers.contains_key(&f.name));
    let described = def.describe(submission, lang, offerings);
    let (mut first, mut rest) = (Vec::new(), Vec::new());
    for (field, (label, value)) in answered.zip(described) {
        let view = AnswerView {
            label,
            value: reveal(&value).into_owned(),
        };
        let how_to_reply = Some(field.name.as_str()) == contact
            || field.name == LANGUAGE_FIELD
            || matches!(field.kind, FieldKind::Email | FieldKind::Tel);
        if how_to_reply {
            first.push(view);
        } else {
            rest.push(view);
        }
    }
    (first, rest)
}

/// The progress form: its CSRF token and the progress chosen.
#[derive(Debug, Deserialize)]
pub struct ProgressForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    progress: String,
}

/// Sets the progress (after the origin and CSRF check), logs it, and leads back to the page.
pub async fn set_progress(
    State(state): State<AppState>,
    Path((LangSegment(lang), reference)): Path<(LangSegment, String)>,
    who: SignedIn,
    headers: HeaderMap,
    Form(form): Form<ProgressForm>,
) -> Response {
    if let Err(refused) = who.check_change(&headers, &form.csrf) {
        return refused.into_response();
    }
    let (reference, handled, def) = match find(&state, lang, &reference).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(progress) = Progress::parse(&form.progress) else {
        let shown = Shown {
            errors: vec![ErrorLink {
                href: format!("#progress-{}", Progress::New.as_str()),
                message: state
                    .content()
                    .words()
                    .get("workspace_progress_missing", lang),
            }],
            notice: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        };
        return render(&state, lang, &who, &handled, &def, shown);
    };
    let content = state.content();
    let handling = Handling::set(
        progress,
        state.received_now(),
        cohort_ends(&content.offerings, &handled),
        &content.tz,
        state.config().done_retention_days,
    );
    match state.store().set_handling(&reference, handling).await {
        Ok(true) => {}
        Ok(false) => return not_found(&state, lang),
        Err(err) => return views::unavailable(&state, lang, "", &err),
    }
    let changed = Activity::StatusChanged {
        reference: reference.clone(),
        to: progress.as_str().to_string(),
    };
    if let Err(err) = views::log(&state, &who.coordinator, changed, def.anonymous).await {
        return views::unavailable(&state, lang, "", &err);
    }
    see_other(&submission_url(lang, &reference, "?saved=true"))
}

/// When the last session of the cohort `handled` registered for ends, if the offering's file
/// still has it: a registration marked done counts its retention from then
/// ([`crate::store::inbox::DoneMark::after`]), so it stays on the roster, holding its place,
/// until its cohort is over.
fn cohort_ends(
    offerings: &[model::Offering],
    handled: &HandledSubmission,
) -> Option<jiff::Timestamp> {
    let (offering, cohort) = (handled.offering.as_deref()?, handled.cohort.as_deref()?);
    let offering = offerings.iter().find(|o| o.id == offering)?;
    let cohort = offering.cohort(cohort)?;
    cohort.sessions.iter().map(|s| s.end.timestamp()).max()
}

/// A 303 to `location`.
fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_string())],
    )
        .into_response()
}

/// What `workspace/delete.html` sees besides the frame.
#[derive(Debug, Serialize)]
struct DeleteContext {
    reference: String,
    form_title: String,
    received: When,
    csrf: String,
    action: String,
    cancel: String,
}

/// "Delete this submission now?": the confirmation step.
pub async fn confirm_delete(
    State(state): State<AppState>,
    Path((LangSegment(lang), reference)): Path<(LangSegment, String)>,
    who: SignedIn,
) -> Response {
    let (reference, handled, def) = match find(&state, lang, &reference).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let content = state.content();
    let context = DeleteContext {
        reference: reference.to_string(),
        form_title: in_lang(def.title.get(lang), lang),
        received: views::when(
            handled.stored.received_at,
            &content.site,
            lang,
            def.anonymous,
        ),
        csrf: who.csrf().to_string(),
        action: submission_url(lang, &reference, "/delete"),
        cancel: submission_url(lang, &reference, ""),
    };
    let path = format!("submissions/{reference}/delete");
    let page = Page {
        template: "workspace/delete.html",
        title_key: "workspace_delete_title",
        path: &path,
    };
    page::render_page(&state, lang, page, Some(&who), StatusCode::OK, &context)
}

/// The confirmed deletion's form: its CSRF token.
#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
}

/// Deletes the submission now, for good (after the origin and CSRF check), logs it, and leads
/// to the inbox, which says so.
pub async fn delete(
    State(state): State<AppState>,
    Path((LangSegment(lang), reference)): Path<(LangSegment, String)>,
    who: SignedIn,
    headers: HeaderMap,
    Form(form): Form<DeleteForm>,
) -> Response {
    if let Err(refused) = who.check_change(&headers, &form.csrf) {
        return refused.into_response();
    }
    let (reference, handled, def) = match find(&state, lang, &reference).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if let Err(err) = give_back_place(&state, &handled).await {
        return views::unavailable(&state, lang, "", &err);
    }
    if let Err(err) = state.store().delete_now(&reference).await {
        return views::unavailable(&state, lang, "", &err);
    }
    let deleted = Activity::Deleted {
        reference: reference.clone(),
    };
    if let Err(err) = views::log(&state, &who.coordinator, deleted, def.anonymous).await {
        return views::unavailable(&state, lang, "", &err);
    }
    see_other(&auth::url(lang, &format!("?deleted={reference}")))
}

/// A registration deleted before its cohort starts gives its place to the first person
/// waiting, as a withdrawal does (crate::waiting_list; their news queued with it): the
/// registration is withdrawn first, then deleted. Two store operations, safe to do again:
/// if the deletion fails after the withdrawal, the page says to try again, and the next try
/// finds the registration withdrawn (no place to hand on; `delete_now` frees none for it);
/// the withdrawal is `change_place`'s atomic step, which promotes exactly once.
async fn give_back_place(
    state: &AppState,
    handled: &HandledSubmission,
) -> Result<(), crate::store::StoreError> {
    if handled.stored.status != Status::Registered {
        return Ok(());
    }
    let content = state.content();
    let at = state.now(&content).timestamp();
    let mut change = crate::waiting_list::change_for(
        &content,
        state.config(),
        &handled.stored,
        PlaceAction::Withdraw,
        at,
    );
    // The submission is deleted next: no withdrawal notice about it (the person promoted in
    // its place is still told).
    let notices = change.notices.clone();
    change.notices = std::sync::Arc::new(move |moved: &crate::store::StoredSubmission| match moved
        .status
    {
        Status::Withdrawn => Vec::new(),
        _ => notices(moved),
    });
    if let PlaceOutcome::Changed {
        promoted: Some(_), ..
    } = state.store().change_place(change).await?
    {
        state.wake_notifier();
    }
    Ok(())
}

//! How the inbox pages show what the store holds: times (an anonymous form's as a date only),
//! a coordinator's progress, a place status, the inbox's flag and deletion days, the error
//! summary's entries, and the one rule for logging what a coordinator saw or did.

use crate::anonymous;
use crate::state::AppState;
use crate::store::Status;
use crate::store::auth::{Activity, ActivityEntry};
use crate::store::inbox::{self, Handling, Progress};
use crate::words::{Words, status_key};
use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use jiff::Timestamp;
use model::typography::in_lang;
use model::{Lang, Offering, SiteConfig, datetime};
use serde::Serialize;

/// A moment as people read it, and as `<time datetime>` states it.
#[derive(Debug, Clone, Serialize)]
pub struct When {
    pub text: String,
    pub iso: String,
}

/// `at` in the site's time zone: "Monday, June 2, 2025, 8:15 am ET"; the date alone when
/// `date_only` (anonymous feedback, and days of deletion), so nothing shown is finer.
pub fn when(at: Timestamp, site: &SiteConfig, lang: Lang, date_only: bool) -> When {
    let zoned = at.to_zoned(site.tz());
    if date_only {
        return When {
            text: datetime::format_date_with_weekday(zoned.date(), lang),
            iso: datetime::iso_date(zoned.date()),
        };
    }
    When {
        text: datetime::format_moment(&zoned, lang, site.zone_label),
        iso: datetime::iso8601(&zoned),
    }
}

/// The key of a progress's name in content/strings.toml.
pub fn progress_key(progress: Progress) -> &'static str {
    match progress {
        Progress::New => "workspace_progress_new",
        Progress::InProgress => "workspace_progress_in_progress",
        Progress::Done => "workspace_progress_done",
    }
}

/// A progress as the pages show it: its words, and its name for the tag's class.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressView {
    pub value: &'static str,
    pub label: String,
}

impl ProgressView {
    pub fn new(words: Words<'_>, progress: Progress, lang: Lang) -> ProgressView {
        ProgressView {
            value: progress.as_str(),
            label: words.get(progress_key(progress), lang),
        }
    }
}

/// A place status in words; `None` for "received" (nothing to say beyond the progress).
pub fn status_text(words: Words<'_>, status: Status, lang: Lang) -> Option<String> {
    (status != Status::Received).then(|| words.get(status_key(status), lang))
}

/// What the inbox says about when a submission goes: for one marked done, the day it is
/// deleted; for one not done within [`inbox::FLAG_DAYS`] of its retention's end, the flag.
#[derive(Debug, Clone, Serialize)]
pub struct Deletion {
    /// Shown as a tag: "Deleted soon" (never colour alone: the words say it).
    pub flagged: bool,
    pub text: String,
}

/// The [`Deletion`] note of `handling` for a submission received at `received_at`, at `now`.
pub fn deletion(
    state: &AppState,
    received_at: Timestamp,
    handling: Handling,
    lang: Lang,
    now: Timestamp,
) -> Option<Deletion> {
    let content = state.content();
    let words = content.words();
    let site = &content.site;
    let days = state.config().retention_days;
    if let Some(mark) = handling.done() {
        // Its retention from arrival still applies when it ends first.
        let day = mark.delete_at.min(inbox::retention_ends(received_at, days));
        let on = when(day, site, lang, true).text;
        return Some(Deletion {
            flagged: false,
            text: words
                .get("workspace_deleted_on", lang)
                .replace("{date}", &on),
        });
    }
    inbox::flagged(received_at, handling, days, now).then(|| {
        // The day its retention ends, as a date: anonymous feedback's is a day start already.
        let ends = inbox::retention_ends(received_at, days);
        Deletion {
            flagged: true,
            text: words
                .get("workspace_flag_text", lang)
                .replace("{date}", &when(ends, site, lang, true).text),
        }
    })
}

/// One line of an error summary (`partials/error-summary.html`): the message, and the field
/// it links to.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorLink {
    pub href: String,
    pub message: String,
}

/// The words the error summary partial reads (`form.ui.error_summary_title`).
#[derive(Debug, Clone, Serialize)]
pub struct SummaryWords {
    pub ui: SummaryUi,
}

#[derive(Debug, Clone, Serialize)]
pub struct SummaryUi {
    pub error_summary_title: String,
}

impl SummaryWords {
    pub fn new(words: Words<'_>, lang: Lang) -> SummaryWords {
        SummaryWords {
            ui: SummaryUi {
                error_summary_title: words.get("workspace_error_summary_title", lang),
            },
        }
    }
}

/// One choice of a `<select>` or radios.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Appends `action` by the coordinator to the activity log, dated `now`, or the start of its
/// day, marked "date only", when it names an anonymous form's submission (crate::anonymous):
/// the log then dates that submission no finer than the store does.
pub async fn log(
    state: &AppState,
    coordinator: &str,
    action: Activity,
    names_anonymous: bool,
) -> Result<(), crate::store::StoreError> {
    let now = state.received_now();
    let at = if names_anonymous {
        anonymous::times(now, &state.content().tz).stored_at
    } else {
        now
    };
    state
        .store()
        .log_activity(ActivityEntry {
            at,
            actor: coordinator.to_string(),
            date_only: names_anonymous,
            action,
        })
        .await
}

/// A place status with its offering and cohort: "Registered (a place is reserved): Coffee
/// chat, english-fall"; `None` for a submission that took no place and asked for none.
pub fn place(
    words: Words<'_>,
    offerings: &[Offering],
    status: Status,
    offering: Option<&str>,
    cohort: Option<&str>,
    lang: Lang,
) -> Option<String> {
    let status = status_text(words, status, lang)?;
    let Some(id) = offering else {
        return Some(status);
    };
    let title = offerings.iter().find(|o| o.id == id).map_or_else(
        || id.to_string(),
        |o| in_lang(model::offering::title(o, lang), lang),
    );
    let what = match cohort {
        Some(cohort) => format!("{title}, {cohort}"),
        None => title,
    };
    Some(
        words
            .get("workspace_place", lang)
            .replace("{status}", &status)
            .replace("{offering}", &what),
    )
}

/// The store did not answer: logged (the error names no person), a 503 page.
pub fn unavailable(
    state: &AppState,
    lang: Lang,
    path: &str,
    err: &crate::store::StoreError,
) -> Response {
    tracing::error!("the workspace could not read the store: {err}");
    super::page::message(
        state,
        lang,
        path,
        None,
        StatusCode::SERVICE_UNAVAILABLE,
        "workspace_unavailable_title",
        super::page::Message {
            text_key: "workspace_unavailable_text",
            link: Some((crate::auth::url(lang, ""), "workspace_back_to_inbox")),
        },
    )
}

/// A workspace page's query string, read as axum's `Query` reads it; one it cannot read (a
/// name given twice, `?form=a&form=b`) gets the workspace's 400 page in the address's
/// language, not axum's plain-text rejection.
#[derive(Debug, Clone)]
pub struct PageQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send> FromRequestParts<AppState> for PageQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(query)) => Ok(PageQuery(query)),
            Err(_) => {
                // `/coordination/{lang}/...`: the route matched, so the segment is a language.
                let lang = parts
                    .uri
                    .path()
                    .split('/')
                    .nth(2)
                    .and_then(Lang::from_code)
                    .unwrap_or(Lang::En);
                Err(super::page::message(
                    state,
                    lang,
                    "",
                    None,
                    StatusCode::BAD_REQUEST,
                    "workspace_bad_address_title",
                    super::page::Message {
                        text_key: "workspace_bad_address_text",
                        link: Some((crate::auth::url(lang, ""), "workspace_back_to_inbox")),
                    },
                ))
            }
        }
    }
}

//! `GET /coordination/{lang}/activity`: the activity log, newest first: who signed in, viewed,
//! exported (with the row count), changed a progress, deleted, invited or removed whom, and
//! when. Never an answer: an entry names a submission by its reference at most. An entry
//! marked "date only" names anonymous feedback (crate::anonymous): its date only.

use super::LangSegment;
use super::page::{self, Page};
use super::views::{self, When};
use crate::auth::SignedIn;
use crate::content::Content;
use crate::reference::Reference;
use crate::state::AppState;
use crate::store::auth::Activity;
use crate::store::inbox::Progress;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use model::Lang;
use model::typography::in_lang;
use serde::Serialize;

/// How many entries the page shows (the newest).
pub const SHOWN: usize = 500;

/// What `workspace/activity.html` sees besides the frame.
#[derive(Debug, Serialize)]
struct ActivityContext {
    caption: String,
    entries: Vec<EntryView>,
}

#[derive(Debug, Serialize)]
struct EntryView {
    when: When,
    who: String,
    what: String,
}

/// The activity log page.
pub async fn activity(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    who: SignedIn,
) -> Response {
    let entries = match state.store().activity(SHOWN).await {
        Ok(entries) => entries,
        Err(err) => return views::unavailable(&state, lang, "activity", &err),
    };
    let content = state.content();
    let words = content.words();
    let context = ActivityContext {
        caption: words
            .get("workspace_activity_caption", lang)
            .replace("{count}", &entries.len().to_string()),
        entries: entries
            .iter()
            .map(|entry| EntryView {
                when: views::when(entry.at, &content.site, lang, entry.date_only),
                who: entry.actor.clone(),
                what: describe(&content, &entry.action, lang),
            })
            .collect(),
    };
    let page = Page {
        template: "workspace/activity.html",
        title_key: "workspace_activity_title",
        path: "activity",
    };
    page::render_page(&state, lang, page, Some(&who), StatusCode::OK, &context)
}

/// What the entry says, in `lang` (a form by its title, an offering by its id).
fn describe(content: &Content, action: &Activity, lang: Lang) -> String {
    let words = content.words();
    let get = |key: &str| words.get(key, lang);
    match action {
        Activity::SignedIn => get("workspace_activity_signed_in"),
        Activity::SignedOut => get("workspace_activity_signed_out"),
        Activity::Enrolled => get("workspace_activity_enrolled"),
        Activity::Viewed { reference } => {
            get("workspace_activity_viewed").replace("{reference}", reference.as_str())
        }
        Activity::Exported {
            form,
            offering,
            rows,
        } => {
            let title = content
                .form(form)
                .map_or_else(|| form.clone(), |def| in_lang(def.title.get(lang), lang));
            let what = match offering {
                Some(offering) => format!("{title} ({offering})"),
                None => title,
            };
            let key = if *rows == 1 {
                "workspace_activity_exported_one"
            } else {
                "workspace_activity_exported"
            };
            get(key)
                .replace("{rows}", &rows.to_string())
                .replace("{form}", &what)
        }
        Activity::StatusChanged { reference, to } => {
            let progress =
                Progress::parse(to).map_or_else(|| to.clone(), |p| get(views::progress_key(p)));
            get("workspace_activity_progress")
                .replace("{reference}", reference.as_str())
                .replace("{progress}", &progress)
        }
        Activity::Deleted { reference } => {
            get("workspace_activity_deleted").replace("{reference}", reference.as_str())
        }
        // `{address}`, not `{email}`: the strings' `{email}` is the program's own address.
        Activity::Invited { email } => {
            get("workspace_activity_invited").replace("{address}", email)
        }
        Activity::Removed { email } => {
            get("workspace_activity_removed").replace("{address}", email)
        }
        Activity::Withdrew {
            reference,
            promoted,
        } => place_moved(get, "workspace_activity_withdrew", reference, promoted),
        Activity::MarkedNotAttending {
            reference,
            promoted,
        } => place_moved(get, "workspace_activity_not_attending", reference, promoted),
        Activity::GavePlace { reference } => {
            get("workspace_activity_gave_place").replace("{reference}", reference.as_str())
        }
    }
}

/// "Withdrew registration K7MW4XTA; the place went to P3RT9KXA": `key`, or `key_promoted`
/// when the freed place went to someone waiting.
fn place_moved(
    get: impl Fn(&str) -> String,
    key: &str,
    reference: &Reference,
    promoted: &Option<Reference>,
) -> String {
    match promoted {
        Some(promoted) => get(&format!("{key}_promoted"))
            .replace("{reference}", reference.as_str())
            .replace("{promoted}", promoted.as_str()),
        None => get(key).replace("{reference}", reference.as_str()),
    }
}

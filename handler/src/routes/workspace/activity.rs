//! `GET /coordination/{lang}/activity`: the activity log, newest first, [`SHOWN`] entries a
//! page (`?older=` leads to the next, older page): who signed in, viewed,
//! exported (with the row count), changed a progress, deleted, invited or removed whom, and
//! when. Never an answer: an entry names a submission by its reference at most. An entry
//! marked "date only" names anonymous feedback (crate::anonymous): its date only.

use super::LangSegment;
use super::page::{self, Page};
use super::views::{self, PageQuery, When};
use crate::auth::SignedIn;
use crate::content::Content;
use crate::reference::Reference;
use crate::state::AppState;
use crate::store::auth::Activity;
use crate::store::inbox::{ActivityPage, Progress, is_activity_key};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use model::Lang;
use model::typography::in_lang;
use serde::{Deserialize, Serialize};

/// How many entries a page shows; older ones are on the next page (`?older=`).
pub const SHOWN: usize = 100;

/// `?older=<key>`: the page of entries older than the one keyed so (an
/// [`ActivityPage::older`]); anything else shows the newest.
#[derive(Debug, Default, Deserialize)]
pub struct ActivityQuery {
    #[serde(default)]
    older: String,
}

/// What `workspace/activity.html` sees besides the frame.
#[derive(Debug, Serialize)]
struct ActivityContext {
    caption: String,
    entries: Vec<EntryView>,
    /// The next page's address, when there are older entries.
    older_url: Option<String>,
    /// The first page's address, on every page after it.
    newest_url: Option<String>,
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
    PageQuery(query): PageQuery<ActivityQuery>,
) -> Response {
    let older_than = Some(query.older.as_str()).filter(|key| is_activity_key(key));
    let ActivityPage { entries, older } = match state.store().activity_page(older_than, SHOWN).await
    {
        Ok(page) => page,
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
        // The key's `#` escaped: in an address it would start the fragment.
        older_url: older.map(|key| crate::auth::url(lang, &older_path(&key))),
        newest_url: older_than.map(|_| crate::auth::url(lang, "activity")),
    };
    let path = older_than.map_or_else(|| "activity".to_string(), older_path);
    let page = Page {
        template: "workspace/activity.html",
        title_key: "workspace_activity_title",
        path: &path,
    };
    page::render_page(&state, lang, page, Some(&who), StatusCode::OK, &context)
}

/// The address of the page of entries older than `key`, after `/coordination/{lang}/`.
fn older_path(key: &str) -> String {
    format!("activity?older={}", key.replace('#', "%23"))
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

//! `GET /coordination/{lang}/registrations`: each offering and cohort with its sessions, the
//! people registered, waiting and withdrawn (each in order of arrival) and the places left;
//! beside each person the actions of issue 13 (withdraw, not attending, give a place), which
//! post to places.rs and come back here with what happened (`?changed=&status=&promoted=`).

use super::LangSegment;
use super::page::{self, Page};
use super::views::{self, When};
use crate::auth::{self, SignedIn};
use crate::reference::Reference;
use crate::state::AppState;
use crate::store::Status;
use crate::store::inbox::{CohortId, Roster, SubmissionSummary};
use crate::words::{Words, status_key};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use model::forms::FormDef;
use model::offering::{Cohort, Offering};
use model::typography::in_lang;
use model::{Lang, datetime};
use serde::{Deserialize, Serialize};

/// What `workspace/registrations.html` sees besides the frame.
#[derive(Debug, Serialize)]
struct RegistrationsContext {
    offerings: Vec<OfferingView>,
    /// The session's token for the actions' forms.
    csrf: String,
    /// What the last action did.
    notice: Option<String>,
}

/// What the last action did, as the roster's address says it (places.rs).
#[derive(Debug, Default, Deserialize)]
pub struct Changed {
    changed: Option<String>,
    unchanged: Option<String>,
    status: Option<String>,
    promoted: Option<String>,
}

impl Changed {
    /// "K7MW4XTA: Withdrawn. The place went to P3RT9KXA, first on the waiting list: they will
    /// be told." Only references and statuses the address spells correctly are shown.
    fn notice(&self, words: Words<'_>, lang: Lang) -> Option<String> {
        let reference = |text: &Option<String>| text.as_deref().and_then(Reference::parse);
        let status = Status::parse(self.status.as_deref()?)?;
        let status = words.get(status_key(status), lang);
        let (key, subject) = match (reference(&self.changed), reference(&self.unchanged)) {
            (Some(changed), _) => match reference(&self.promoted) {
                Some(_) => ("workspace_place_changed_promoted", changed),
                None => ("workspace_place_changed", changed),
            },
            (None, Some(unchanged)) => ("workspace_place_unchanged", unchanged),
            (None, None) => return None,
        };
        let promoted = reference(&self.promoted)
            .map(|p| p.to_string())
            .unwrap_or_default();
        Some(
            words
                .get(key, lang)
                .replace("{reference}", subject.as_str())
                .replace("{status}", &status)
                .replace("{promoted}", &promoted),
        )
    }
}

#[derive(Debug, Serialize)]
struct OfferingView {
    id: String,
    title: String,
    cohorts: Vec<CohortView>,
}

/// One cohort: its sessions, its people, its places.
#[derive(Debug, Serialize)]
struct CohortView {
    /// `<offering>-<cohort>`, for the headings' and captions' ids.
    id: String,
    heading: String,
    sessions: Vec<String>,
    places: String,
    registered_caption: String,
    waiting_caption: String,
    withdrawn_caption: String,
    registered: Vec<Person>,
    waiting: Vec<Person>,
    withdrawn: Vec<Person>,
}

/// One person on a list: their position, the submission's reference (a link), and when it
/// arrived. Never a name or an answer.
#[derive(Debug, Serialize)]
struct Person {
    position: usize,
    reference: String,
    url: String,
    received: When,
    /// Where its actions post (places.rs).
    action_url: String,
    /// Its status in words (the withdrawn list tells withdrawn from not attending).
    status: String,
}

/// The registrations page.
pub async fn registrations(
    State(state): State<AppState>,
    Path(LangSegment(lang)): Path<LangSegment>,
    Query(changed): Query<Changed>,
    who: SignedIn,
) -> Response {
    let content = state.content();
    let mut offerings = Vec::new();
    for offering in content.offerings.iter().filter(|o| !o.cohorts.is_empty()) {
        let forms: Vec<&FormDef> = content
            .forms
            .iter()
            .filter(|def| registers_for(def, offering))
            .collect();
        let mut cohorts = Vec::new();
        for cohort in offering.cohorts.iter().filter(|c| !c.sessions.is_empty()) {
            match roster(&state, &forms, offering, cohort).await {
                Ok(roster) => cohorts.push(cohort_view(&state, offering, cohort, &roster, lang)),
                Err(err) => return views::unavailable(&state, lang, "registrations", &err),
            }
        }
        offerings.push(OfferingView {
            id: offering.id.clone(),
            title: in_lang(model::offering::title(offering, lang), lang),
            cohorts,
        });
    }
    let page = Page {
        template: "workspace/registrations.html",
        title_key: "workspace_registrations_title",
        path: "registrations",
    };
    let context = RegistrationsContext {
        offerings,
        csrf: who.csrf().to_string(),
        notice: changed.notice(content.words(), lang),
    };
    page::render_page(&state, lang, page, Some(&who), StatusCode::OK, &context)
}

/// Whether `def` is a form people register for `offering` with: a form with a cohort field
/// offers every offering's cohorts (an offering limited to some forms would add its filter
/// here, as `options_from_offerings` does for radios).
fn registers_for(def: &FormDef, _offering: &Offering) -> bool {
    def.cohort_field().is_some()
}

/// The cohort's people, from every form that registers for it (those who joined its waiting
/// list after registration closed included: their submissions carry the cohort too).
async fn roster(
    state: &AppState,
    forms: &[&FormDef],
    offering: &Offering,
    cohort: &Cohort,
) -> Result<Roster, crate::store::StoreError> {
    let Some(first) = cohort.sessions.first() else {
        return Ok(Roster::default());
    };
    let id = CohortId {
        offering: offering.id.clone(),
        cohort: cohort.id.clone(),
        starts: first.start.timestamp(),
    };
    let mut people: Vec<SubmissionSummary> = Vec::new();
    for def in forms {
        let roster = state.store().roster(&def.id, &id).await?;
        people.extend(roster.registered);
        people.extend(roster.waiting);
        people.extend(roster.withdrawn);
    }
    Ok(Roster::from_summaries(people))
}

fn cohort_view(
    state: &AppState,
    offering: &Offering,
    cohort: &Cohort,
    roster: &Roster,
    lang: Lang,
) -> CohortView {
    let content = state.content();
    let words = content.words();
    let site = &content.site;
    let heading = words
        .get("workspace_cohort_heading", lang)
        .replace("{cohort}", &cohort.id)
        .replace(
            "{language}",
            &words.get(language_key(cohort.language), lang),
        );
    let people = |list: &[SubmissionSummary]| -> Vec<Person> {
        list.iter()
            .enumerate()
            .map(|(i, p)| Person {
                position: i + 1,
                reference: p.reference.to_string(),
                url: auth::url(lang, &format!("submissions/{}", p.reference)),
                received: views::when(p.received_at, site, lang, false),
                action_url: auth::url(lang, &format!("registrations/{}", p.reference)),
                status: words.get(status_key(p.status), lang),
            })
            .collect()
    };
    let caption = |key: &str, n: usize| {
        words
            .get(key, lang)
            .replace("{cohort}", &heading)
            .replace("{count}", &n.to_string())
    };
    CohortView {
        id: format!("{}-{}", offering.id, cohort.id),
        sessions: cohort
            .sessions
            .iter()
            .map(|s| datetime::format_session(&s.start, &s.end, lang, site.zone_label))
            .map(|text| in_lang(&text, lang))
            .collect(),
        places: words
            .get("workspace_places_left", lang)
            .replace(
                "{left}",
                &roster.places_left(offering.group_size).to_string(),
            )
            .replace("{size}", &offering.group_size.to_string()),
        registered_caption: caption("workspace_registered_caption", roster.registered.len()),
        waiting_caption: caption("workspace_waiting_caption", roster.waiting.len()),
        withdrawn_caption: caption("workspace_withdrawn_caption", roster.withdrawn.len()),
        registered: people(&roster.registered),
        waiting: people(&roster.waiting),
        withdrawn: people(&roster.withdrawn),
        heading,
    }
}

/// The key of a language's name inside a sentence ("English", "anglais").
fn language_key(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "english_in_sentence",
        Lang::Fr => "french_in_sentence",
    }
}

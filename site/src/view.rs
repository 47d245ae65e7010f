//! What templates see of an offering: every fact localized and formatted from the data, so no
//! template ever copies prose about dates, sizes or hosts.

use crate::typography;
use jiff::Zoned;
use model::datetime::{self, ZoneLabel};
use model::offering::{Commitment, Offering, OfferingKind, OfferingState};
use model::{Lang, Localized};
use serde::Serialize;

/// A label and its value, such as "Duration" / "75 minutes".
#[derive(Debug, Clone, Serialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// An offering in one language, at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct OfferingView {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub kind: OfferingKind,
    pub state: OfferingState,
    pub state_label: String,
    pub facts: Vec<Fact>,
    pub requirements: Vec<String>,
    pub deadline_text: String,
    pub deadline_iso: String,
    pub parts: Vec<PartView>,
    pub cohorts: Vec<CohortView>,
    pub register_url: String,
    pub takes_interest_only: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartView {
    pub title: String,
    pub facts: Vec<Fact>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CohortView {
    pub id: String,
    pub language: Lang,
    pub language_name: String,
    pub state: OfferingState,
    pub state_label: String,
    pub sessions: Vec<SessionView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub part_title: String,
    pub text: String,
    pub start_iso: String,
    pub end_iso: String,
    pub ics_url: String,
}

/// Words the view needs that are not editor content: fixed by the language.
struct Words {
    duration: &'static str,
    hosted_by: &'static str,
    group_size: &'static str,
    commitment: &'static str,
    topics: &'static str,
    sessions: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::En => Words {
            duration: "Duration",
            hosted_by: "Hosted by",
            group_size: "Group size",
            commitment: "Commitment",
            topics: "Discussion topics",
            sessions: "Group duration",
        },
        Lang::Fr => Words {
            duration: "Durée",
            hosted_by: "Animation",
            group_size: "Taille du groupe",
            commitment: "Engagement",
            topics: "Sujets de discussion",
            sessions: "Durée du groupe",
        },
    }
}

/// "75 minutes" / "75 minutes"; "Up to 8 virtual sessions of 90 minutes each" for groups.
fn minutes(n: u32, _lang: Lang) -> String {
    format!("{n} minutes")
}

/// The state's label in `lang`: never colour alone, always these words.
pub fn state_label(state: OfferingState, lang: Lang) -> &'static str {
    match (state, lang) {
        (OfferingState::Upcoming, Lang::En) => "Coming soon",
        (OfferingState::Upcoming, Lang::Fr) => "À venir",
        (OfferingState::RegistrationOpen, Lang::En) => "Registration open",
        (OfferingState::RegistrationOpen, Lang::Fr) => "Inscription ouverte",
        (OfferingState::RegistrationClosed, Lang::En) => "Registration closed",
        (OfferingState::RegistrationClosed, Lang::Fr) => "Inscription fermée",
        (OfferingState::Past, Lang::En) => "Past",
        (OfferingState::Past, Lang::Fr) => "Terminé",
    }
}

fn commitment_text(commitment: Commitment, lang: Lang) -> &'static str {
    match (commitment, lang) {
        (Commitment::DropIn, Lang::En) => {
            "Drop-in: once registered, you can attend as many sessions as you like"
        }
        (Commitment::DropIn, Lang::Fr) => {
            "Participation libre : une fois inscrit ou inscrite, vous assistez aux séances de votre choix"
        }
        (Commitment::Closed, Lang::En) => {
            "Closed group: no new participants join after the first session, and participants attend all sessions"
        }
        (Commitment::Closed, Lang::Fr) => {
            "Groupe fermé : personne ne s’ajoute après la première séance, et les participants assistent à toutes les séances"
        }
    }
}

/// Text shown to people, with French spacing rules when French.
fn prose(text: &str, lang: Lang) -> String {
    match lang {
        Lang::En => text.to_string(),
        Lang::Fr => typography::french(text),
    }
}

/// Builds the view of `offering` in `lang` at `now`. `register_url` is the registration page in
/// this language (empty when there is none); `ics_url` names each session's calendar file.
pub fn offering_view(
    offering: &Offering,
    lang: Lang,
    now: &Zoned,
    zone_label: ZoneLabel,
    register_url: &str,
) -> OfferingView {
    let w = words(lang);
    let text = |l: &Localized| prose(l.get(lang), lang);
    let mut facts = Vec::new();
    match (
        offering.kind,
        offering.session_count_max,
        offering.duration_minutes,
    ) {
        (_, Some(count), Some(each)) => facts.push(Fact {
            label: w.sessions.to_string(),
            value: match lang {
                Lang::En => format!("Up to {count} virtual sessions of {each} minutes each"),
                Lang::Fr => format!("Jusqu’à {count} séances virtuelles de {each} minutes chacune"),
            },
        }),
        (_, None, Some(each)) => facts.push(Fact {
            label: w.duration.to_string(),
            value: minutes(each, lang),
        }),
        _ => {}
    }
    facts.push(Fact {
        label: w.hosted_by.to_string(),
        value: text(&offering.hosts),
    });
    if let Some(topics) = &offering.topics {
        facts.push(Fact {
            label: w.topics.to_string(),
            value: text(topics),
        });
    }
    facts.push(Fact {
        label: w.group_size.to_string(),
        value: match (lang, offering.kind) {
            (Lang::En, OfferingKind::Group) => {
                format!("Up to {} participants per group", offering.group_size)
            }
            (Lang::En, OfferingKind::Activity) => {
                format!("Up to {} participants", offering.group_size)
            }
            (Lang::Fr, OfferingKind::Group) => {
                format!("Jusqu’à {} participants par groupe", offering.group_size)
            }
            (Lang::Fr, OfferingKind::Activity) => {
                format!("Jusqu’à {} participants", offering.group_size)
            }
        },
    });
    if let Some(commitment) = offering.commitment {
        facts.push(Fact {
            label: w.commitment.to_string(),
            value: prose(commitment_text(commitment, lang), lang),
        });
    }

    let parts = offering
        .parts
        .iter()
        .map(|part| {
            let mut facts = Vec::new();
            if let Some(d) = part.duration_minutes {
                facts.push(Fact {
                    label: w.duration.to_string(),
                    value: minutes(d, lang),
                });
            }
            if let Some(hosts) = &part.hosts {
                facts.push(Fact {
                    label: w.hosted_by.to_string(),
                    value: text(hosts),
                });
            }
            PartView {
                title: text(&part.title),
                facts,
            }
        })
        .collect();

    let cohorts = offering
        .cohorts
        .iter()
        .map(|cohort| {
            let state = offering.cohort_state(cohort, now);
            CohortView {
                id: cohort.id.clone(),
                language: cohort.language,
                language_name: language_name(cohort.language, lang).to_string(),
                state,
                state_label: state_label(state, lang).to_string(),
                sessions: cohort
                    .sessions
                    .iter()
                    .enumerate()
                    .map(|(i, s)| SessionView {
                        part_title: offering
                            .parts
                            .get(i)
                            .map(|p| text(&p.title))
                            .unwrap_or_default(),
                        text: prose(
                            &datetime::format_session(&s.start, &s.end, lang, zone_label),
                            lang,
                        ),
                        start_iso: datetime::iso8601(&s.start),
                        end_iso: datetime::iso8601(&s.end),
                        ics_url: ics_url(lang, &offering.id, &cohort.id, i + 1),
                    })
                    .collect(),
            }
        })
        .collect();

    let state = offering.state(now);
    OfferingView {
        id: offering.id.clone(),
        title: text(&offering.title),
        summary: text(&offering.summary),
        kind: offering.kind,
        state,
        state_label: state_label(state, lang).to_string(),
        facts,
        requirements: offering.requirements.iter().map(text).collect(),
        deadline_text: offering
            .registration_deadline
            .as_ref()
            .map(|d| prose(&datetime::format_date_with_weekday(d.date(), lang), lang))
            .unwrap_or_default(),
        deadline_iso: offering
            .registration_deadline
            .as_ref()
            .map(datetime::iso8601)
            .unwrap_or_default(),
        parts,
        cohorts,
        register_url: register_url.to_string(),
        takes_interest_only: offering.takes_interest_only(),
    }
}

/// "English" / "anglais": a session's language named in the page's language.
pub fn language_name(of: Lang, in_lang: Lang) -> &'static str {
    match (of, in_lang) {
        (Lang::En, Lang::En) => "English",
        (Lang::Fr, Lang::En) => "French",
        (Lang::En, Lang::Fr) => "anglais",
        (Lang::Fr, Lang::Fr) => "français",
    }
}

/// Where a session's calendar file is written: `/en/calendar/<offering>-<cohort>-<n>.ics`.
pub fn ics_url(lang: Lang, offering: &str, cohort: &str, number: usize) -> String {
    format!("/{lang}/calendar/{offering}-{cohort}-{number}.ics")
}

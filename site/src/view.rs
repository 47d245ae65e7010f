//! What templates see of an offering: every fact localized and formatted from the data, so no
//! template ever copies prose about dates, sizes or hosts. Labels and phrases come from
//! `content/strings.toml` (see [`REQUIRED_STRINGS`]), so editors own every word.

use jiff::Zoned;
use model::datetime::{self, ZoneLabel};
use model::offering::{Commitment, Offering, OfferingKind, OfferingState, SizeUnit};
use model::typography;
use model::{Lang, Localized};
use serde::Serialize;
use std::collections::BTreeMap;

/// The strings the offering view needs; `site check` reports any that is missing.
/// Phrases hold placeholders in braces: `{n}`, `{count}`, `{minutes}`.
pub const REQUIRED_STRINGS: [&str; 18] = [
    "duration",
    "hosted_by",
    "group_size",
    "commitment",
    "topics",
    "sessions",
    "upcoming",
    "registration_open",
    "registration_closed",
    "past",
    "minutes_value",
    "session_count_value",
    "group_size_per_group",
    "group_size_per_event",
    "group_size_per_chat",
    "commitment_drop_in",
    "english_in_sentence",
    "french_in_sentence",
];

/// Also required: the closed-group commitment text.
pub const COMMITMENT_CLOSED: &str = "commitment_closed";

/// UI strings in one language, French spacing already applied.
pub type Words<'a> = BTreeMap<&'a str, String>;

fn word<'w>(words: &'w Words<'_>, key: &str) -> &'w str {
    words.get(key).map_or("", String::as_str)
}

/// Replaces `{name}` placeholders in `phrase`.
fn fill(phrase: &str, values: &[(&str, u32)]) -> String {
    values
        .iter()
        .fold(phrase.to_string(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), &value.to_string())
        })
}

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
    /// The form page for this offering: registration for activities, intake for groups.
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

/// The strings key of a state's label: never colour alone, always these words.
pub fn state_key(state: OfferingState) -> &'static str {
    match state {
        OfferingState::Upcoming => "upcoming",
        OfferingState::RegistrationOpen => "registration_open",
        OfferingState::RegistrationClosed => "registration_closed",
        OfferingState::Past => "past",
    }
}

/// Text from data shown to people, with French spacing rules when French.
fn prose(text: &str, lang: Lang) -> String {
    match lang {
        Lang::En => text.to_string(),
        Lang::Fr => typography::french(text),
    }
}

/// Builds the view of `offering` in `lang` at `now`, with `words` (UI strings in `lang`) for
/// labels. `register_url` is the form page for this offering (empty when there is none).
pub fn offering_view(
    offering: &Offering,
    lang: Lang,
    now: &Zoned,
    zone_label: ZoneLabel,
    words: &Words<'_>,
    register_url: &str,
) -> OfferingView {
    let w = |key: &str| word(words, key).to_string();
    let text = |l: &Localized| prose(l.get(lang), lang);
    let facts = offering_facts(offering, lang, words);
    let parts = part_views(offering, lang, words);
    let cohorts = cohort_views(offering, lang, now, zone_label, words);
    let state = offering.state(now);
    OfferingView {
        id: offering.id.clone(),
        title: text(&offering.title),
        summary: text(&offering.summary),
        kind: offering.kind,
        state,
        state_label: w(state_key(state)),
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
        // The form page preselects this offering from `?offering=` (static/form.js).
        register_url: if register_url.is_empty() {
            String::new()
        } else {
            format!("{register_url}?offering={}", offering.id)
        },
        takes_interest_only: offering.takes_interest_only(),
    }
}

/// The offering's facts ("Details"): sessions or duration, hosts, topics, group size and
/// commitment, in `lang`.
fn offering_facts(offering: &Offering, lang: Lang, words: &Words<'_>) -> Vec<Fact> {
    let w = |key: &str| word(words, key).to_string();
    let text = |l: &Localized| prose(l.get(lang), lang);
    let minutes = |n: u32| fill(word(words, "minutes_value"), &[("n", n)]);
    let mut facts = Vec::new();
    match (offering.session_count_max, offering.duration_minutes) {
        (Some(count), Some(each)) => facts.push(Fact {
            label: w("sessions"),
            value: fill(
                word(words, "session_count_value"),
                &[("count", count), ("minutes", each)],
            ),
        }),
        (None, Some(each)) => facts.push(Fact {
            label: w("duration"),
            value: minutes(each),
        }),
        _ => {}
    }
    if let Some(hosts) = &offering.hosts {
        facts.push(Fact {
            label: w("hosted_by"),
            value: text(hosts),
        });
    }
    if let Some(topics) = &offering.topics {
        facts.push(Fact {
            label: w("topics"),
            value: text(topics),
        });
    }
    let size_key = match offering.size_unit {
        SizeUnit::Group => "group_size_per_group",
        SizeUnit::Event => "group_size_per_event",
        SizeUnit::Chat => "group_size_per_chat",
    };
    facts.push(Fact {
        label: w("group_size"),
        value: fill(word(words, size_key), &[("n", offering.group_size)]),
    });
    if let Some(commitment) = offering.commitment {
        facts.push(Fact {
            label: w("commitment"),
            value: w(match commitment {
                Commitment::DropIn => "commitment_drop_in",
                Commitment::Closed => COMMITMENT_CLOSED,
            }),
        });
    }
    facts
}

/// Each part of a multi-part offering: its title and its own facts.
fn part_views(offering: &Offering, lang: Lang, words: &Words<'_>) -> Vec<PartView> {
    let w = |key: &str| word(words, key).to_string();
    let text = |l: &Localized| prose(l.get(lang), lang);
    let minutes = |n: u32| fill(word(words, "minutes_value"), &[("n", n)]);
    offering
        .parts
        .iter()
        .map(|part| {
            let mut facts = Vec::new();
            if let Some(d) = part.duration_minutes {
                facts.push(Fact {
                    label: w("duration"),
                    value: minutes(d),
                });
            }
            if let Some(hosts) = &part.hosts {
                facts.push(Fact {
                    label: w("hosted_by"),
                    value: text(hosts),
                });
            }
            PartView {
                title: text(&part.title),
                facts,
            }
        })
        .collect()
}

/// Each cohort with its state at `now` and its sessions' dates, in `lang`.
fn cohort_views(
    offering: &Offering,
    lang: Lang,
    now: &Zoned,
    zone_label: ZoneLabel,
    words: &Words<'_>,
) -> Vec<CohortView> {
    let w = |key: &str| word(words, key).to_string();
    let text = |l: &Localized| prose(l.get(lang), lang);
    offering
        .cohorts
        .iter()
        .map(|cohort| {
            let state = offering.cohort_state(cohort, now);
            CohortView {
                id: cohort.id.clone(),
                language: cohort.language,
                language_name: w(language_key(cohort.language)),
                state,
                state_label: w(state_key(state)),
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
        .collect()
}

/// The string naming a cohort's language in a sentence ("English" / "anglais"), shared with
/// the forms' cohort choices.
fn language_key(language: Lang) -> &'static str {
    match language {
        Lang::En => "english_in_sentence",
        Lang::Fr => "french_in_sentence",
    }
}

/// Where a session's calendar file is written: `/en/calendar/<offering>-<cohort>-<n>.ics`,
/// `/fr/calendrier/...`.
pub fn ics_url(lang: Lang, offering: &str, cohort: &str, number: usize) -> String {
    let folder = match lang {
        Lang::En => "calendar",
        Lang::Fr => "calendrier",
    };
    format!("/{lang}/{folder}/{offering}-{cohort}-{number}.ics")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill(
                "Up to {count} sessions of {minutes} minutes",
                &[("count", 8), ("minutes", 90)]
            ),
            "Up to 8 sessions of 90 minutes"
        );
    }
}

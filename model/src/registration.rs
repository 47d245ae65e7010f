//! Registrations, in one vocabulary: a person registers for a **cohort** (one run of an
//! **offering**, in one language, with its dated **sessions**) and takes a **place** in it; a
//! cohort has as many places as its offering's **group size**; past that, or once
//! registration has closed, a person may join its **waiting list**. An offering without dates
//! takes a registration of interest instead.
//!
//! This module holds what a registration is decided on, with no I/O: the cohort a form names
//! ([`CohortChoice`]), whether it takes people at a moment ([`CohortAvailability`]), and
//! whether one more person gets a place ([`decide_place`]). The handler asks the store to take
//! the place, which counts and registers in one atomic step (handler/src/registration.rs).

use crate::datetime::{self, ZoneLabel};
use crate::forms::FormWords;
use crate::forms::view::choice_value;
use crate::lang::Lang;
use crate::offering::{Offering, OfferingKind, OfferingState};
use jiff::{Timestamp, Zoned};
use serde::{Deserialize, Serialize};

/// The cohort a registration names: `offering:cohort`, or an offering alone (interest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortChoice {
    pub offering: String,
    pub cohort: Option<String>,
}

/// Whether a chosen cohort takes registrations at a given moment. Each state is its own
/// variant, so that a cohort that is over can never be taken for a full or closed one (whose
/// waiting list still takes people).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CohortAvailability {
    /// Open, with `group_size` places, in the cohort whose first session starts at `starts`:
    /// places are counted per cohort and first start, so an offering file reused for the next
    /// run, with new dates, starts with every place free.
    Open { group_size: u32, starts: Timestamp },
    /// An offering without dates: a registration of interest, with no limit.
    Interest,
    /// The deadline has passed, or a closed group has started, and sessions remain: no place
    /// is taken, but the waiting list takes people.
    Closed,
    /// Registration for this cohort has not opened yet.
    NotYetOpen,
    /// Every session of this cohort is over: nothing to register or wait for.
    Past,
    /// No such offering or cohort, or a dated offering named without a cohort: not a choice
    /// (validation refuses it before this is asked).
    Unknown,
}

/// What one more registration in an open cohort gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceDecision {
    /// A place: the cohort had one left.
    Take,
    /// No place left, and the person asked for the waiting list.
    Wait,
    /// No place left, and the person did not ask for the waiting list: nothing is stored.
    Full,
}

/// The place-taking decision, for a cohort with `group_size` places of which `taken` are
/// taken. Both stores follow it: SQLite counts and decides in one transaction; DynamoDB's
/// conditional update on the cohort's counter is the same rule (`taken < group_size`).
pub fn decide_place(taken: u32, group_size: u32, waiting_list: bool) -> PlaceDecision {
    if taken < group_size {
        PlaceDecision::Take
    } else if waiting_list {
        PlaceDecision::Wait
    } else {
        PlaceDecision::Full
    }
}

impl CohortChoice {
    /// Parses `offering:cohort` or `offering`.
    pub fn parse(value: &str) -> Option<CohortChoice> {
        let (offering, cohort) = match value.split_once(':') {
            Some((offering, cohort)) => (offering, Some(cohort)),
            None => (value, None),
        };
        let slug = crate::offering::is_slug;
        if !slug(offering) || cohort.is_some_and(|c| !slug(c)) {
            return None;
        }
        Some(CohortChoice {
            offering: offering.to_string(),
            cohort: cohort.map(str::to_string),
        })
    }

    /// The posted value: `offering:cohort` or `offering`.
    pub fn value(&self) -> String {
        choice_value(&self.offering, self.cohort.as_deref())
    }

    fn find<'a>(&self, offerings: &'a [Offering]) -> Option<&'a Offering> {
        offerings
            .iter()
            .find(|o| o.id == self.offering && o.kind == OfferingKind::Activity)
    }

    /// Whether the choice names something that exists: a cohort of a dated offering, or an
    /// offering without dates alone (interest). A dated offering alone is not a choice: it
    /// would register "interest" in an activity that has sessions to choose from.
    pub(crate) fn exists(&self, offerings: &[Offering]) -> bool {
        self.find(offerings).is_some_and(|o| match &self.cohort {
            Some(cohort) => o.cohort(cohort).is_some(),
            None => o.takes_interest_only(),
        })
    }

    /// Whether the cohort takes people at `now`, and how many places it has.
    pub fn availability(&self, offerings: &[Offering], now: &Zoned) -> CohortAvailability {
        let Some(offering) = self.find(offerings) else {
            return CohortAvailability::Unknown;
        };
        let Some(id) = &self.cohort else {
            return match offering.takes_interest_only() {
                true => CohortAvailability::Interest,
                false => CohortAvailability::Unknown,
            };
        };
        let Some(cohort) = offering.cohort(id) else {
            return CohortAvailability::Unknown;
        };
        match offering.cohort_state(cohort, now) {
            OfferingState::RegistrationOpen => match cohort.sessions.first() {
                Some(first) => CohortAvailability::Open {
                    group_size: offering.group_size,
                    starts: first.start.timestamp(),
                },
                None => CohortAvailability::Unknown,
            },
            OfferingState::RegistrationClosed => CohortAvailability::Closed,
            OfferingState::Upcoming => CohortAvailability::NotYetOpen,
            OfferingState::Past => CohortAvailability::Past,
        }
    }

    /// "Discover Creative Coping, in English (Thursday, July 10, 2025, ...)".
    pub fn describe(
        &self,
        offerings: &[Offering],
        lang: Lang,
        words: &FormWords,
    ) -> Option<String> {
        let offering = self.find(offerings)?;
        let title = offering.title.get(lang);
        Some(match &self.cohort {
            None => words.interest_option.get(lang).replace("{offering}", title),
            Some(id) => {
                let cohort = offering.cohort(id)?;
                let language = match cohort.language {
                    Lang::En => words.english_in_sentence.get(lang),
                    Lang::Fr => words.french_in_sentence.get(lang),
                };
                let sessions = cohort
                    .sessions
                    .iter()
                    .map(|s| datetime::format_session(&s.start, &s.end, lang, ZoneLabel::Generic))
                    .collect::<Vec<_>>()
                    .join(words.list_separator.get(lang));
                format!(
                    "{} ({sessions})",
                    words
                        .cohort_option
                        .get(lang)
                        .replace("{offering}", title)
                        .replace("{language}", language)
                )
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohort_choices_parse() {
        assert_eq!(
            CohortChoice::parse("coffee:english"),
            Some(CohortChoice {
                offering: "coffee".into(),
                cohort: Some("english".into())
            })
        );
        assert_eq!(CohortChoice::parse("coffee").unwrap().cohort, None);
        assert_eq!(CohortChoice::parse("Coffee:x"), None);
        assert_eq!(CohortChoice::parse("a:b:c"), None);
    }

    #[test]
    fn a_place_is_taken_while_one_is_left_then_the_waiting_list_if_asked() {
        assert_eq!(decide_place(0, 2, false), PlaceDecision::Take);
        assert_eq!(decide_place(1, 2, false), PlaceDecision::Take);
        assert_eq!(decide_place(2, 2, false), PlaceDecision::Full);
        assert_eq!(decide_place(2, 2, true), PlaceDecision::Wait);
        assert_eq!(decide_place(3, 2, true), PlaceDecision::Wait);
        assert_eq!(decide_place(0, 0, false), PlaceDecision::Full);
    }
}

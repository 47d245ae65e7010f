//! When the built site goes stale. An offering's state ("Registration open", "Registration
//! closed", "Past") is computed when the site is built, so a page keeps saying "Registration
//! open" after the deadline until someone rebuilds. The build records the next moment any
//! state changes, and the publishing pipeline rebuilds then.

use crate::offering::{Offering, OfferingState};
use jiff::{Timestamp, ToSpan, Zoned};

/// Where a build records when it goes stale, under the built site's folder: written by
/// `site build`, read by the handler's sweep (handler/src/staleness.rs) from the Lambda zip.
pub const NEXT_CHANGE_FILE: &str = "_passerelle/next-change.txt";

/// The text of [`NEXT_CHANGE_FILE`]: the moment as an RFC 3339 date-time in UTC on one line,
/// or `none` when nothing will change.
pub fn record(next: Option<&Zoned>) -> String {
    match next {
        Some(at) => format!("{}\n", at.timestamp()),
        None => "none\n".to_string(),
    }
}

/// The moment a [`record`] holds; `None` for `none` or anything unreadable.
pub fn read_record(text: &str) -> Option<Timestamp> {
    text.lines().next()?.trim().parse().ok()
}

/// The first moment after `now` at which the state of any offering, or of any of its
/// cohorts, differs from its state at `now`; `None` when nothing will change again.
///
/// States change only at a few instants: registration opening, just after the deadline (a
/// deadline is still open at its own second), a cohort's first start and its last end. Every
/// page that shows a state (offering pages, lists, forms) reads it from these, so these
/// instants are the only ones at which the output changes.
pub fn next_change(offerings: &[Offering], now: &Zoned) -> Option<Zoned> {
    let before = states(offerings, now);
    let mut candidates: Vec<Zoned> = offerings
        .iter()
        .flat_map(boundaries)
        .filter(|at| at > now)
        .collect();
    candidates.sort();
    candidates.dedup();
    candidates
        .into_iter()
        .find(|at| states(offerings, at) != before)
}

/// The instants at which `offering`'s states may change.
fn boundaries(offering: &Offering) -> Vec<Zoned> {
    let mut at: Vec<Zoned> = Vec::new();
    at.extend(offering.registration_opens.clone());
    at.extend(
        offering
            .registration_deadline
            .as_ref()
            .and_then(|deadline| deadline.checked_add(1.second()).ok()),
    );
    for cohort in &offering.cohorts {
        at.extend(cohort.sessions.first().map(|s| s.start.clone()));
        at.extend(cohort.sessions.iter().map(|s| s.end.clone()).max());
    }
    at
}

/// Every offering's state and its cohorts' states at `at`.
fn states(offerings: &[Offering], at: &Zoned) -> Vec<(OfferingState, Vec<OfferingState>)> {
    offerings
        .iter()
        .map(|offering| {
            let cohorts = offering
                .cohorts
                .iter()
                .map(|cohort| offering.cohort_state(cohort, at))
                .collect();
            (offering.state(at), cohorts)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;
    use std::path::Path;

    fn toronto() -> TimeZone {
        TimeZone::get("America/Toronto").unwrap()
    }

    fn at(text: &str) -> Zoned {
        text.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(toronto())
            .unwrap()
    }

    fn workshop(extra: &str) -> Offering {
        let text = format!(
            r#"kind = "activity"
title = {{ en = "Workshop", fr = "Atelier" }}
summary = {{ en = "A workshop.", fr = "Un atelier." }}
group_size = 10
hosts = {{ en = "A peer supporter", fr = "Une paire aidante" }}
{extra}
[[cohorts]]
id = "english"
language = "en"
sessions = [
  {{ start = 2025-07-10T17:00:00, end = 2025-07-10T18:30:00 }},
  {{ start = 2025-07-24T17:00:00, end = 2025-07-24T18:00:00 }},
]
"#
        );
        crate::offering::parse(Path::new("workshop.toml"), &text, &toronto()).unwrap()
    }

    #[test]
    fn a_record_reads_back_as_the_moment_it_holds() {
        let at = at("2025-06-27T17:00:01");
        assert_eq!(record(Some(&at)), "2025-06-27T21:00:01Z\n");
        assert_eq!(read_record(&record(Some(&at))), Some(at.timestamp()));
        assert_eq!(read_record(&record(None)), None);
        assert_eq!(read_record("tomorrow\n"), None);
    }

    #[test]
    fn registration_open_goes_stale_just_after_its_deadline() {
        let offering = workshop("registration_deadline = 2025-06-27T17:00:00\n");
        assert_eq!(
            next_change(&[offering], &at("2025-06-01T12:00:00")),
            Some(at("2025-06-27T17:00:01")),
        );
    }

    #[test]
    fn a_bare_deadline_date_closes_at_the_end_of_its_day() {
        let offering = workshop("registration_deadline = 2025-06-27\n");
        let next = next_change(&[offering], &at("2025-06-01T12:00:00")).unwrap();
        assert_eq!(next.date(), jiff::civil::date(2025, 6, 28), "{next}");
    }

    #[test]
    fn upcoming_changes_when_registration_opens_then_after_the_last_session() {
        let offering = workshop("registration_opens = 2025-06-15T09:00:00\n");
        let offerings = [offering];
        assert_eq!(
            next_change(&offerings, &at("2025-06-01T12:00:00")),
            Some(at("2025-06-15T09:00:00"))
        );
        // Open until the first session starts (a closed group), closed until the last ends.
        assert_eq!(
            next_change(&offerings, &at("2025-06-16T00:00:00")),
            Some(at("2025-07-10T17:00:00"))
        );
        assert_eq!(
            next_change(&offerings, &at("2025-07-11T00:00:00")),
            Some(at("2025-07-24T18:00:00"))
        );
        assert_eq!(next_change(&offerings, &at("2025-08-01T00:00:00")), None);
    }
}

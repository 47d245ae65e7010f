//! Registrations: whether a submission takes a place in a cohort, joins its waiting list,
//! registers interest, or is refused (and with which message on the cohort field).
//!
//! The words are those of `model::registration`: offering, cohort, session (one meeting),
//! place, group size, waiting list. The model decides what a cohort offers at a moment
//! ([`model::registration::CohortChoice::availability`]) and whether one more person gets a
//! place ([`model::registration::decide_place`]); this module turns that into what to ask of
//! the store, which counts and registers in one atomic step
//! ([`crate::store::Store::submit`]).

use crate::store::Status;
use jiff::Timestamp;
use model::forms::{ErrorKind, FormDef, Submission};
use model::offering::Offering;
use model::registration::{CohortAvailability, CohortChoice};

/// A request for a place in a cohort with a group size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceRequest {
    pub offering: String,
    pub cohort: String,
    /// When the cohort's first session starts. Places are counted per cohort and first start:
    /// an editor who reuses an offering file, cohort ids and all, for the next run with new
    /// dates gets a cohort with every place free, not the last run's count.
    pub starts: Timestamp,
    /// How many places the cohort has (the offering's `group_size`).
    pub group_size: u32,
    /// When no place is left: join the waiting list (true) or store nothing (false).
    pub waiting_list: bool,
}

impl PlaceRequest {
    /// The cohort's key within its offering, which its places are counted under:
    /// `<cohort>@<first session's start, RFC 3339 UTC>`.
    pub fn cohort_key(&self) -> String {
        format!("{}@{}", self.cohort, self.starts)
    }
}

/// What a submission asks of the store: a place to take (with the status it gets if taken),
/// or a status without a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub place: Option<PlaceRequest>,
    pub status: Status,
}

/// What `submission` asks of the store at `now`; or the error to show on the cohort field:
/// a cohort that is over ([`ErrorKind::Past`]) or not open yet ([`ErrorKind::NotOpen`])
/// takes no one, not even on its waiting list; a closed one ([`ErrorKind::Closed`]) takes
/// only those who asked for the waiting list.
pub fn placement(
    def: &FormDef,
    submission: &Submission,
    offerings: &[Offering],
    now: &jiff::Zoned,
) -> Result<Placement, ErrorKind> {
    let Some(choice) = submission.cohort(def) else {
        return Ok(Placement {
            place: None,
            status: Status::Received,
        });
    };
    let without_place = |status| {
        Ok(Placement {
            place: None,
            status,
        })
    };
    match choice.availability(offerings, now) {
        CohortAvailability::Open { group_size, starts } => Ok(Placement {
            place: Some(PlaceRequest {
                offering: choice.offering.clone(),
                cohort: choice.cohort.clone().unwrap_or_default(),
                starts,
                group_size,
                waiting_list: submission.wants_waiting_list(),
            }),
            status: Status::Registered,
        }),
        CohortAvailability::Interest => without_place(Status::Interest),
        // On the waiting list of its cohort (so a place freed before the first session is
        // theirs in turn), taking no place: a group size of 0 for the newcomer.
        CohortAvailability::Closed if submission.wants_waiting_list() => Ok(Placement {
            place: first_start(offerings, &choice).map(|starts| PlaceRequest {
                offering: choice.offering.clone(),
                cohort: choice.cohort.clone().unwrap_or_default(),
                starts,
                group_size: 0,
                waiting_list: true,
            }),
            status: Status::Waitlisted,
        }),
        CohortAvailability::Closed => Err(ErrorKind::Closed),
        CohortAvailability::NotYetOpen => Err(ErrorKind::NotOpen),
        CohortAvailability::Past => Err(ErrorKind::Past),
        CohortAvailability::Unknown => Err(ErrorKind::Invalid),
    }
}

/// When the chosen cohort's first session starts (its place counter's key).
fn first_start(offerings: &[Offering], choice: &CohortChoice) -> Option<Timestamp> {
    let offering = offerings.iter().find(|o| o.id == choice.offering)?;
    let cohort = offering.cohort(choice.cohort.as_deref()?)?;
    Some(cohort.sessions.first()?.start.timestamp())
}

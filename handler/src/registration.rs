//! Places: whether a registration takes a place in a session, goes on its waiting list,
//! registers interest, or is refused (and with which message on the session field).
//!
//! The store takes the place ([`crate::store::Store::submit`] counts and registers in one
//! step); this module decides, from the offering's file and the moment, what to ask of it.

use crate::store::{SeatRequest, Status};
use model::forms::{ErrorKind, FormDef, SessionAvailability, Submission};
use model::offering::Offering;

/// What a submission asks of the store: a place to take (with the status it gets if taken),
/// or a status without a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub seat: Option<SeatRequest>,
    pub status: Status,
}

/// What `submission` asks of the store at `now`; or the error to show on the session field:
/// a session that is over ([`ErrorKind::Past`]) or not open yet ([`ErrorKind::NotOpen`])
/// takes no one, not even on its waiting list; a closed one ([`ErrorKind::Closed`]) takes
/// only those who asked for the waiting list.
pub fn placement(
    def: &FormDef,
    submission: &Submission,
    offerings: &[Offering],
    now: &jiff::Zoned,
) -> Result<Placement, ErrorKind> {
    let Some(choice) = submission.session(def) else {
        return Ok(Placement {
            seat: None,
            status: Status::Received,
        });
    };
    let without_seat = |status| Ok(Placement { seat: None, status });
    match choice.availability(offerings, now) {
        SessionAvailability::Open { capacity, starts } => Ok(Placement {
            seat: Some(SeatRequest {
                offering: choice.offering.clone(),
                cohort: choice.cohort.clone().unwrap_or_default(),
                starts,
                capacity,
                waitlist: submission.wants_waitlist(),
            }),
            status: Status::Registered,
        }),
        SessionAvailability::Interest => without_seat(Status::Interest),
        SessionAvailability::Closed if submission.wants_waitlist() => {
            without_seat(Status::Waitlisted)
        }
        SessionAvailability::Closed => Err(ErrorKind::Closed),
        SessionAvailability::NotYetOpen => Err(ErrorKind::NotOpen),
        SessionAvailability::Past => Err(ErrorKind::Past),
        SessionAvailability::Unknown => Err(ErrorKind::Invalid),
    }
}

//! The program's data, shared by the site generator (`site`) and the form handler (`handler`).
//!
//! Everything an editor types is parsed here into types that cannot hold a bad state:
//! a [`Lang`] is an enum, a session time is a zoned date-time, an offering's group size is a
//! number. Problems are reported as [`Diagnostic`]s naming the file, line and field.

pub mod config;
pub mod datetime;
pub mod diagnostic;
pub mod discretion;
pub mod forms;
pub mod front_matter;
pub mod html;
pub mod lang;
pub mod offering;
pub mod registration;
pub mod schedule;
pub mod strings;
pub mod translation;
pub mod typography;

pub use offering::{Offering, OfferingState};

pub use config::SiteConfig;
pub use diagnostic::{Diagnostic, Diagnostics};
pub use lang::{Lang, Localized};

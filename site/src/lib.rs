//! Passerelle's static site generator: bilingual Markdown with TOML front matter, through Tera
//! templates, into accessible static pages.
//!
//! The flow is one way: [`content::load`] -> [`checks::check`] -> render -> [`build::write`].

pub mod build;
pub mod checks;
pub mod content;
pub mod context;
pub mod ics;
pub mod markdown;
pub mod plain_language;
pub mod scaffold;
pub mod serve;
pub mod string_keys;
pub mod translations;
pub mod view;

//! What a translator reviewed: the record `site translated` writes so that `site check` can
//! tell when the text a translation follows has changed since.

use crate::Lang;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A page's `translates = { from = "en", text = "3fa2c1 09bd44 ..." }`: the language of the
/// counterpart it translates, and the fingerprint of each of that counterpart's paragraphs
/// (title and description first) as they were when a translator last reviewed this page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageRecord {
    pub from: Lang,
    pub text: String,
}

/// The `[translation]` table of a file holding both languages (an offering, a form): the
/// language translated from, and the fingerprint of each value in that language as a
/// translator last reviewed it, keyed by the value's path (`title`, `fields.email.label`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    pub from: Lang,
    #[serde(default)]
    pub text: BTreeMap<String, String>,
}

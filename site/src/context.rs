//! What the templates see: one typed context per page (the templates themselves are loaded by
//! the `render` crate, the environment the handler shares).

use crate::content::{Library, Page};
use model::Lang;
use model::typography;
use serde::Serialize;
use std::collections::BTreeMap;

/// Site-wide facts every template sees as `site`.
#[derive(Debug, Clone, Serialize)]
pub struct SiteContext {
    pub name: String,
    pub org_name: String,
    pub org_short_name: String,
    pub phone: String,
    pub phone_href: String,
    pub email: String,
    pub quick_exit_url: String,
    pub base_url: String,
    pub css: String,
    pub js: String,
    pub assets: BTreeMap<String, String>,
    /// Calendar files name neither the program nor the activity (`[discretion] calendar`).
    pub discreet_calendar: bool,
}

impl SiteContext {
    pub fn new(library: &Library, lang: Lang, assets: &BTreeMap<String, String>) -> Self {
        let program = &library.config.program;
        let text = |s: &str| match lang {
            Lang::En => s.to_string(),
            Lang::Fr => typography::french(s),
        };
        SiteContext {
            name: text(program.name.get(lang)),
            org_name: text(program.org_name.get(lang)),
            org_short_name: program.org_short_name.get(lang).clone(),
            phone: program.phone.clone(),
            phone_href: library.config.phone_href(),
            email: program.email.clone(),
            quick_exit_url: library.config.quick_exit_url.clone(),
            base_url: library.config.base_url.clone(),
            css: assets.get("site.css").cloned().unwrap_or_default(),
            js: assets.get("site.js").cloned().unwrap_or_default(),
            assets: assets.clone(),
            discreet_calendar: library.config.discretion.calendar,
        }
    }
}

/// A link in navigation, breadcrumbs and lists.
#[derive(Debug, Clone, Serialize)]
pub struct LinkContext {
    pub title: String,
    pub url: String,
    pub current: bool,
}

/// The counterpart page in the other language.
#[derive(Debug, Clone, Serialize)]
pub struct TranslationContext {
    pub url: String,
    pub title: String,
    pub lang: Lang,
    pub lang_name: &'static str,
}

/// One `<link rel="alternate" hreflang>`.
#[derive(Debug, Clone, Serialize)]
pub struct Alternate {
    pub hreflang: &'static str,
    pub url: String,
}

/// One page in `sitemap.xml`: its address, when it last changed, and both languages' versions.
#[derive(Debug, Clone, Serialize)]
pub struct SitemapEntry {
    pub loc: String,
    pub lastmod: Option<String>,
    pub alternates: Vec<Alternate>,
}

/// A page in a section's list.
#[derive(Debug, Clone, Serialize)]
pub struct ChildContext {
    pub title: String,
    pub url: String,
    pub description: String,
    pub summary: String,
    pub offering: Option<crate::view::OfferingView>,
}

/// What a page template sees as `page`.
#[derive(Debug, Clone, Serialize)]
pub struct PageContext {
    pub title: String,
    pub description: String,
    pub content: String,
    pub url: String,
    pub date_modified: String,
    pub is_section: bool,
    pub children: Vec<ChildContext>,
    /// On a language's home page: the ten most recently modified pages.
    pub recent: Vec<ChildContext>,
    pub breadcrumbs: Vec<LinkContext>,
}

/// Page titles and descriptions with French spacing applied.
pub fn page_text(page: &Page, text: &str) -> String {
    match page.lang {
        Lang::En => text.to_string(),
        Lang::Fr => typography::french(text),
    }
}

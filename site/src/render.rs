//! Rendering: Tera templates loaded from `templates/`, one context per page.

use crate::content::{Library, Page};
use model::typography;
use model::{Diagnostic, Lang};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use tera::Tera;

/// Loads every template under `templates/` (`.html` pages, `sitemap.xml`, `robots.txt`), named
/// by its path relative to that folder. HTML and XML are escaped; text is not.
pub fn load_templates(root: &Path) -> Result<Tera, Diagnostic> {
    let dir = root.join("templates");
    let mut tera = Tera::default();
    let mut sources = Vec::new();
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let entry = entry.map_err(|err| {
            Diagnostic::error("templates", format!("cannot read the templates: {err}"))
        })?;
        let path = entry.path();
        let is_template = path
            .extension()
            .is_some_and(|e| e == "html" || e == "xml" || e == "txt");
        if !entry.file_type().is_file() || !is_template {
            continue;
        }
        let name = path
            .strip_prefix(&dir)
            .expect("walked inside dir")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let text = std::fs::read_to_string(path).map_err(|err| {
            Diagnostic::error(
                format!("templates/{name}"),
                format!("cannot read the template: {err}"),
            )
        })?;
        sources.push((name, text));
    }
    // Parse each template alone first, so a syntax error names its file and line.
    for (name, text) in &sources {
        if let Err(err) = tera::Template::new(name, None, text) {
            let message = error_chain(&err);
            let line = message
                .split("--> ")
                .nth(1)
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.trim().parse().ok());
            let column = message
                .split("--> ")
                .nth(1)
                .and_then(|rest| rest.split(':').nth(1))
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or("?");
            let first_line = format!("the template has a syntax error at column {column}");
            let detail = message
                .lines()
                .find(|l| l.trim_start().starts_with("= "))
                .map(|l| l.trim_start().trim_start_matches("= ").to_string());
            let mut diagnostic =
                Diagnostic::error(format!("templates/{name}"), first_line).at_optional_line(line);
            if let Some(detail) = detail {
                diagnostic = diagnostic.with_help(detail);
            }
            return Err(diagnostic);
        }
    }
    tera.add_raw_templates(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .map_err(|err| Diagnostic::error("templates", error_chain(&err)))?;
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(model::html::escape);
    tera.register_filter("french_spacing", french_spacing);
    Ok(tera)
}

/// Template names, for checking `template = "..."` in front matter.
pub fn template_names(tera: &Tera) -> BTreeSet<String> {
    tera.get_template_names().map(str::to_string).collect()
}

/// `{{ text | french_spacing(lang=lang) }}`: French spacing for text from data.
fn french_spacing(
    value: &tera::Value,
    args: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = tera::try_get_value!("french_spacing", "value", String, value);
    let lang = args.get("lang").and_then(|v| v.as_str()).unwrap_or("en");
    Ok(tera::Value::String(if lang == "fr" {
        typography::french(&text)
    } else {
        text
    }))
}

/// Tera's error and all its causes on one line each, so the real problem is visible.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

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

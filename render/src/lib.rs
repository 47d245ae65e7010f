//! The one template environment of Passerelle. The generator renders every page through it,
//! and the form handler renders the pages it answers with (the form with its errors, the
//! confirmation) through the same one, so a template, partial or filter added once works in
//! both.
//!
//! [`load`] reads every template under `<root>/templates/` (partials included: they are found,
//! not listed), and sets what both sides rely on: HTML and XML autoescaped with the site's
//! escaper ([`model::html::escape`], which leaves `/` alone), text files not escaped, and the
//! `french_spacing` filter.

mod frame;

pub use frame::{
    Alternate, ChildContext, FORM_PAGES, FormPage, FormPages, LinkContext, PageContext, PageFrame,
    SiteContext, TranslationContext, strings_in,
};

use model::{Diagnostic, typography};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use tera::Tera;

pub use tera::{Context, Error};

/// The folder of the templates, relative to a site's root.
pub const TEMPLATES_DIR: &str = "templates";

/// Loads every template under `<root>/templates/` (`.html` pages and partials, `.xml`, `.txt`),
/// each named by its path relative to that folder (`partials/form.html`). A syntax error names
/// its file and line.
pub fn load(root: &Path) -> Result<Tera, Diagnostic> {
    let sources = read_sources(&root.join(TEMPLATES_DIR))?;
    // Parse each template alone first, so a syntax error names its file and line.
    for (name, text) in &sources {
        if let Err(err) = tera::Template::new(name, None, text) {
            return Err(syntax_error(name, &err));
        }
    }
    let mut tera = Tera::default();
    tera.add_raw_templates(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .map_err(|err| Diagnostic::error(TEMPLATES_DIR, error_chain(&err)))?;
    configure(&mut tera);
    Ok(tera)
}

/// The escaping and filters every Passerelle template may rely on (see the crate's doc).
fn configure(tera: &mut Tera) {
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(model::html::escape);
    tera.register_filter("french_spacing", french_spacing);
}

/// The templates under `dir`, by name, in name order.
fn read_sources(dir: &Path) -> Result<Vec<(String, String)>, Diagnostic> {
    let mut sources = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|err| {
            Diagnostic::error(TEMPLATES_DIR, format!("cannot read the templates: {err}"))
        })?;
        let path = entry.path();
        let is_template = path
            .extension()
            .is_some_and(|e| e == "html" || e == "xml" || e == "txt");
        if !entry.file_type().is_file() || !is_template {
            continue;
        }
        let name = path
            .strip_prefix(dir)
            .expect("walked inside dir")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let text = std::fs::read_to_string(path).map_err(|err| {
            Diagnostic::error(
                format!("{TEMPLATES_DIR}/{name}"),
                format!("cannot read the template: {err}"),
            )
        })?;
        sources.push((name, text));
    }
    Ok(sources)
}

/// A template's syntax error for an editor: its file, line and column, and Tera's explanation.
fn syntax_error(name: &str, err: &tera::Error) -> Diagnostic {
    let message = error_chain(err);
    let location = message.split("--> ").nth(1);
    let line = location
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.trim().parse().ok());
    let column = location
        .and_then(|rest| rest.split(':').nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("?");
    let first_line = format!("the template has a syntax error at column {column}");
    let detail = message
        .lines()
        .find(|l| l.trim_start().starts_with("= "))
        .map(|l| l.trim_start().trim_start_matches("= ").to_string());
    let mut diagnostic =
        Diagnostic::error(format!("{TEMPLATES_DIR}/{name}"), first_line).at_optional_line(line);
    if let Some(detail) = detail {
        diagnostic = diagnostic.with_help(detail);
    }
    diagnostic
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

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = root.path().join(TEMPLATES_DIR).join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        root
    }

    #[test]
    fn partials_are_found_without_a_list_and_html_is_escaped_but_text_is_not() {
        let root = site(&[
            ("page.html", "<p>{% include \"partials/deep/x.html\" %}</p>"),
            ("partials/deep/x.html", "{{ v }}"),
            ("robots.txt", "{{ v }}"),
            ("notes.md", "not a template"),
        ]);
        let tera = load(root.path()).unwrap();
        let mut context = Context::new();
        context.insert("v", "a/b & <c>");
        assert_eq!(
            tera.render("page.html", &context).unwrap(),
            "<p>a/b &amp; &lt;c&gt;</p>"
        );
        assert_eq!(tera.render("robots.txt", &context).unwrap(), "a/b & <c>");
        assert_eq!(
            template_names(&tera).into_iter().collect::<Vec<_>>(),
            ["page.html", "partials/deep/x.html", "robots.txt"]
        );
    }

    #[test]
    fn french_spacing_applies_to_french_only() {
        let root = site(&[("t.html", "{{ v | french_spacing(lang=lang) }}")]);
        let tera = load(root.path()).unwrap();
        let mut context = Context::new();
        context.insert("v", "Questions ?");
        context.insert("lang", "fr");
        assert_eq!(
            tera.render("t.html", &context).unwrap(),
            "Questions\u{202f}?"
        );
        context.insert("lang", "en");
        assert_eq!(tera.render("t.html", &context).unwrap(), "Questions ?");
    }

    #[test]
    fn a_syntax_error_names_its_file_and_line() {
        let root = site(&[("partials/bad.html", "<p>\n{% if %}</p>")]);
        let err = load(root.path()).unwrap_err().to_string();
        assert!(err.contains("templates/partials/bad.html"), "{err}");
        assert!(err.contains(":2"), "{err}");
    }
}

//! Loading: walk `content/`, parse every page, offering, form and string into typed values,
//! and collect every problem on the way (nothing stops at the first error).

use crate::markdown::{self, Rendered};
use jiff::civil::Date;
use model::front_matter;
use model::offering::{self, Offering};
use model::{Diagnostic, Diagnostics, Lang, Localized, SiteConfig};
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A page's front matter as the editor writes it. Unknown fields are errors.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub translation_key: Option<String>,
    #[serde(default)]
    pub template: Option<Spanned<String>>,
    #[serde(default)]
    pub weight: i32,
    pub date_modified: Spanned<toml::value::Datetime>,
    #[serde(default)]
    pub offering: Option<Spanned<String>>,
    #[serde(default)]
    pub form: Option<Spanned<String>>,
    #[serde(default)]
    pub in_nav: bool,
    /// Which version of its counterpart this page translates (written by `site translated`).
    #[serde(default)]
    pub translates: Option<Spanned<model::translation::PageRecord>>,
}

/// One page in one language, parsed and rendered to HTML.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    /// Path relative to the site root, for messages: `content/en/activities/_index.md`.
    pub file: PathBuf,
    /// Path relative to `content/<lang>/`, with `/` separators: `activities/_index.md`.
    pub rel_path: String,
    /// What pairs the page with its translation.
    pub key: String,
    /// The page's URL path: `/en/activities/`.
    pub url: String,
    /// `_index.md` pages list the pages beside them.
    pub is_section: bool,
    pub front_matter: FrontMatter,
    /// The front matter's text, to find lines of fields.
    pub front_matter_text: String,
    pub date_modified: Option<Date>,
    /// The Markdown body as written, and the file line it starts on (for paragraph checks).
    pub body_text: String,
    pub body_line: usize,
    pub body: Rendered,
}

impl Page {
    /// The file line of a front-matter field's value, from its span.
    pub fn field_line(&self, span: std::ops::Range<usize>) -> usize {
        model::diagnostic::line_of_offset(&self.front_matter_text, span.start) + 1
    }

    /// The URL of the section this page belongs to (`/en/activities/` for
    /// `/en/activities/coffee-chat/`), or `None` for a language's home page.
    pub fn parent_url(&self) -> Option<String> {
        let trimmed = self.url.trim_end_matches('/');
        let (parent, _) = trimmed.rsplit_once('/')?;
        if parent.is_empty() {
            None
        } else {
            Some(format!("{parent}/"))
        }
    }

    /// The template that renders this page.
    pub fn template(&self) -> &str {
        match &self.front_matter.template {
            Some(t) => t.get_ref(),
            None if self.is_section => "section.html",
            None => "page.html",
        }
    }
}

/// UI strings: `key = { en = "...", fr = "..." }`.
pub type Strings = BTreeMap<String, Localized>;

/// Everything the site is made of, loaded and parsed.
#[derive(Debug, Clone)]
pub struct Library {
    pub root: PathBuf,
    pub config: SiteConfig,
    pub pages: Vec<Page>,
    pub offerings: Vec<Offering>,
    pub forms: Vec<model::forms::FormDef>,
    pub strings: Strings,
    /// Offering ids whose file exists but failed to parse (already reported).
    pub broken_offerings: Vec<String>,
    /// Form ids whose file has a problem (already reported): pages naming them are not.
    pub broken_forms: Vec<String>,
    /// Languages with a page that failed to load (already reported): its counterpart's
    /// "missing translation" would only be noise.
    pub langs_with_broken_pages: Vec<Lang>,
    /// The URLs of pages that failed to load (already reported): a link to one, or a missing
    /// home page that is one, is an echo of that error, not a problem of its own.
    pub broken_urls: Vec<String>,
    /// The words to avoid and what to write instead (`content/style.toml`).
    pub style: crate::plain_language::Style,
}

impl Library {
    pub fn offering(&self, id: &str) -> Option<&Offering> {
        self.offerings.iter().find(|o| o.id == id)
    }

    pub fn form(&self, id: &str) -> Option<&model::forms::FormDef> {
        self.forms.iter().find(|f| f.id == id)
    }
}

/// Every Markdown page under `content/en/` and `content/fr/`: its language, its language's
/// folder and its path. Other files are reported (ignored), as is a missing language folder.
fn page_files(root: &Path, diagnostics: &mut Diagnostics) -> Vec<(Lang, PathBuf, PathBuf)> {
    let mut files = Vec::new();
    for lang in Lang::ALL {
        let dir = root.join("content").join(lang.code());
        if !dir.is_dir() {
            diagnostics.push(
                Diagnostic::error(relative(root, &dir), "the language folder is missing")
                    .with_help(format!(
                        "create content/{}/ with an _index.md home page",
                        lang
                    )),
            );
            continue;
        }
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            match entry {
                Ok(entry) if entry.file_type().is_file() => {
                    let path = entry.path().to_path_buf();
                    if path.extension().is_some_and(|e| e == "md") {
                        files.push((lang, dir.clone(), path));
                    } else {
                        diagnostics.push(
                            Diagnostic::warning(
                                relative(root, &path),
                                "this file is not a Markdown page and is ignored",
                            )
                            .with_help("pages end in .md; put images and files in static/"),
                        );
                    }
                }
                Ok(_) => {}
                Err(err) => diagnostics.push(Diagnostic::error(
                    relative(root, &dir),
                    format!("cannot read the folder: {err}"),
                )),
            }
        }
    }
    files
}

/// The form definitions with the shared words from `strings`, and the ids of those that did
/// not load (their problems go to `diagnostics`).
fn load_forms(
    root: &Path,
    strings: &Strings,
    diagnostics: &mut Diagnostics,
) -> (Vec<model::forms::FormDef>, Vec<String>) {
    let (form_words, missing) = model::forms::FormWords::from_strings(strings);
    let form_words = std::sync::Arc::new(form_words);
    let (forms, found) = model::forms::load_dir(&root.join("content/forms"), &form_words);
    // A site without forms needs none of their words.
    if !forms.is_empty() {
        diagnostics.extend(missing);
    }
    let broken_forms = report_broken(root, found, diagnostics);
    (forms, broken_forms)
}

/// The names (file stems) of the files `found` reports problems in, so that pages naming them
/// are not told again that they do not exist; the problems join `diagnostics`, their files
/// relative to the site's root.
fn report_broken<T: FromIterator<String>>(
    root: &Path,
    found: Diagnostics,
    diagnostics: &mut Diagnostics,
) -> T {
    let broken = found
        .0
        .iter()
        .filter_map(|d| d.file.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    diagnostics.extend(found.into_iter().map(|d| Diagnostic {
        file: relative(root, &d.file),
        ..d
    }));
    broken
}

/// Loads the site at `root`. Returns the library (possibly partial) and every problem found.
pub fn load(root: &Path) -> Result<(Library, Diagnostics), Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let config = SiteConfig::load(&root.join("site.toml")).map_err(|d| {
        Diagnostics(vec![Diagnostic {
            file: relative(root, &d.file),
            ..d
        }])
    })?;
    let tz = config.tz();

    let files = page_files(root, &mut diagnostics);
    let results: Vec<Result<Page, Diagnostic>> = files
        .par_iter()
        .map(|(lang, dir, path)| load_page(root, *lang, dir, path))
        .collect();
    let mut pages = Vec::new();
    let mut langs_with_broken_pages = Vec::new();
    let mut broken_urls = Vec::new();
    for ((lang, dir, path), result) in files.iter().zip(results) {
        match result {
            Ok(page) => pages.push(page),
            Err(d) => {
                langs_with_broken_pages.push(*lang);
                broken_urls.push(Location::of(*lang, dir, path).url);
                diagnostics.push(d);
            }
        }
    }

    let (offerings, found) = offering::load_dir(&root.join("content/offerings"), &tz);
    let broken_offerings = report_broken(root, found, &mut diagnostics);
    // The forms' shared words are strings: read them first.
    let strings = load_strings(root, &mut diagnostics);
    let (forms, broken_forms) = load_forms(root, &strings, &mut diagnostics);
    let style = crate::plain_language::load_style(root, &mut diagnostics);

    Ok((
        Library {
            root: root.to_path_buf(),
            config,
            pages,
            offerings,
            forms,
            strings,
            broken_offerings,
            broken_forms,
            langs_with_broken_pages,
            broken_urls,
            style,
        },
        diagnostics,
    ))
}

fn load_strings(root: &Path, diagnostics: &mut Diagnostics) -> Strings {
    let path = root.join("content/strings.toml");
    let file = relative(root, &path);
    match std::fs::read_to_string(&path) {
        Ok(text) => match front_matter::parse::<Strings>(&file, &text, 1) {
            Ok(strings) => strings,
            Err(d) => {
                diagnostics.push(d);
                Strings::new()
            }
        },
        Err(err) => {
            diagnostics.push(
                Diagnostic::error(&file, format!("cannot read the UI strings: {err}")).with_help(
                    "create content/strings.toml with key = { en = \"...\", fr = \"...\" } lines",
                ),
            );
            Strings::new()
        }
    }
}

fn load_page(root: &Path, lang: Lang, lang_dir: &Path, path: &Path) -> Result<Page, Diagnostic> {
    let file = relative(root, path);
    let text = front_matter::read_text(path).map_err(|d| Diagnostic {
        file: file.clone(),
        ..d
    })?;
    let split = front_matter::split(&file, &text)?;
    let fm: FrontMatter = front_matter::parse(&file, split.front_matter, split.front_matter_line)?;

    let Location {
        rel_path,
        url,
        is_section,
    } = Location::of(lang, lang_dir, path);
    let key = fm
        .translation_key
        .clone()
        .unwrap_or_else(|| rel_path.trim_end_matches(".md").to_string());
    let date_modified = date_of(fm.date_modified.get_ref());
    let body = markdown::render(split.body, split.body_line, lang);
    Ok(Page {
        lang,
        file,
        rel_path,
        key,
        url,
        is_section,
        front_matter_text: split.front_matter.to_string(),
        date_modified,
        front_matter: fm,
        body_text: split.body.to_string(),
        body_line: split.body_line,
        body,
    })
}

/// Where a page file sits and the URL it gets: known from its path alone, so even a page that
/// fails to parse has one.
struct Location {
    /// Relative to `content/<lang>/`, with `/` separators: `activities/_index.md`.
    rel_path: String,
    /// `/en/activities/`.
    url: String,
    is_section: bool,
}

impl Location {
    fn of(lang: Lang, lang_dir: &Path, path: &Path) -> Location {
        let rel_path = path
            .strip_prefix(lang_dir)
            .unwrap_or(path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let is_section = rel_path == "_index.md" || rel_path.ends_with("/_index.md");
        let stem = rel_path.trim_end_matches(".md");
        let dir_part = stem.trim_end_matches("_index").trim_end_matches('/');
        let url = if dir_part.is_empty() {
            format!("/{lang}/")
        } else {
            format!("/{lang}/{dir_part}/")
        };
        Location {
            rel_path,
            url,
            is_section,
        }
    }
}

/// A TOML date with no time and no offset, as `date_modified` must be.
pub fn date_of(value: &toml::value::Datetime) -> Option<Date> {
    match (value.date, value.time, value.offset) {
        (Some(d), None, None) => Date::new(
            i16::try_from(d.year).ok()?,
            i8::try_from(d.month).ok()?,
            i8::try_from(d.day).ok()?,
        )
        .ok(),
        _ => None,
    }
}

/// `path` relative to `root` when it is inside it, for shorter messages.
pub fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

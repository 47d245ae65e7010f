//! The pipeline: load -> check -> render -> write. `check` runs the same stages but writes
//! nothing, so an editor sees exactly the problems a build would hit.

use crate::checks;
use crate::content::{self, Library, Page};
use crate::context::{
    self, Alternate, ChildContext, LinkContext, PageContext, PageFrame, SiteContext, SitemapEntry,
    TranslationContext,
};
use crate::ics;
use crate::view;
use jiff::Zoned;
use model::offering::OfferingKind;
use model::{Diagnostic, Diagnostics, Lang, Localized, datetime};
use rayon::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tera::{Context, Tera};

/// How to build.
#[derive(Debug, Clone)]
pub struct Options {
    /// The moment offering states are computed for (build time unless `--now`).
    pub now: Zoned,
    /// Adds the live-reload script (only `serve` sets it).
    pub live_reload: bool,
    /// The public address to build for instead of site.toml's `base_url` (a deploy knows the
    /// real one; site.toml holds a placeholder): `https://host`, no trailing slash.
    pub base_url: Option<String>,
}

/// Every file of the site, in memory: path relative to the output folder, and its bytes.
#[derive(Debug, Default)]
pub struct Output {
    pub files: Vec<(PathBuf, Vec<u8>)>,
    pub pages_per_lang: BTreeMap<Lang, usize>,
    /// Problems that do not stop the build (warnings).
    pub warnings: Diagnostics,
}

/// The path where live reload's script is served by `site serve`.
pub const LIVE_RELOAD_SCRIPT: &str = "/_passerelle/livereload.js";

/// Loads, checks and renders the site at `root` into memory.
pub fn generate(root: &Path, options: &Options) -> Result<Output, Diagnostics> {
    let (mut library, mut diagnostics) = content::load(root)?;
    if let Some(base_url) = &options.base_url {
        library.config.base_url = base_url.clone();
    }
    let tera = match render::load(root) {
        Ok(tera) => Some(tera),
        Err(d) => {
            diagnostics.push(d);
            None
        }
    };
    let template_names = tera
        .as_ref()
        .map(render::template_names)
        .unwrap_or_default();
    diagnostics.extend(checks::check(&library, &template_names));
    diagnostics.sort();
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let tera = tera.expect("no template errors");

    let assets = fingerprint_assets(root).map_err(|d| Diagnostics(vec![d]))?;
    let renderer = Renderer::new(&library, &tera, options, &assets.urls);
    let mut output = Output {
        warnings: diagnostics,
        ..Output::default()
    };

    let rendered: Vec<Result<(PathBuf, Vec<u8>), Diagnostic>> = library
        .pages
        .par_iter()
        .map(|page| renderer.page(page))
        .collect();
    let mut errors = Diagnostics::default();
    for result in rendered {
        match result {
            Ok(file) => output.files.push(file),
            Err(d) => errors.push(d),
        }
    }
    for extra in [
        renderer.root_page(),
        renderer.not_found_pages(),
        renderer.sitemap(),
        renderer.robots(),
    ] {
        match extra {
            Ok(files) => output.files.extend(files),
            Err(d) => errors.push(d),
        }
    }
    if errors.has_errors() {
        errors.sort();
        return Err(errors);
    }
    for page in &library.pages {
        *output.pages_per_lang.entry(page.lang).or_default() += 1;
    }
    output.files.extend(assets.files);
    output.files.extend(renderer.calendars());
    output
        .files
        .push((render::FORM_PAGES.into(), renderer.forms_manifest()));
    output
        .files
        .push((NEXT_CHANGE_FILE.into(), next_change(&library, &options.now)));
    output.files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(output)
}

/// Where the build records when it goes stale (see [`next_change`]).
pub const NEXT_CHANGE_FILE: &str = "_passerelle/next-change.txt";

/// The next moment a page of this build would read differently (an offering's state changes),
/// as an RFC 3339 date-time in UTC on one line, or `none`: the publishing pipeline rebuilds and
/// publishes at that moment, so a page never says "Registration open" after the deadline.
fn next_change(library: &Library, now: &Zoned) -> Vec<u8> {
    match model::schedule::next_change(&library.offerings, now) {
        Some(at) => format!("{}\n", at.timestamp()).into_bytes(),
        None => b"none\n".to_vec(),
    }
}

/// Writes `output` into `out`, replacing whatever was there. The new site is written beside the
/// old one and swapped in, so a server reading `out` never sees a half-written site.
pub fn write(output: &Output, out: &Path) -> std::io::Result<()> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        std::fs::create_dir_all(parent)?;
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = out.with_file_name(format!(".{name}.new"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    // Most pages have a folder of their own: making folders in the parallel loop, beside the
    // writes, keeps both cores busy (create_dir_all tolerates a sibling racing to make a parent).
    output.files.par_iter().try_for_each(|(path, bytes)| {
        let target = staging.join(path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(target, bytes)
    })?;
    let old = out.with_file_name(format!(".{name}.old"));
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    if out.exists() {
        std::fs::rename(out, &old)?;
    }
    std::fs::rename(&staging, out)?;
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    Ok(())
}

/// Writes only the files of `output` that differ from `previous` (what the last call wrote),
/// and removes the files that are gone. `serve` uses it so an edit rewrites one page, not all.
pub fn write_changed(
    output: &Output,
    out: &Path,
    previous: &mut HashMap<PathBuf, Vec<u8>>,
) -> std::io::Result<usize> {
    let mut written = 0;
    let mut current = HashMap::with_capacity(output.files.len());
    for (path, bytes) in &output.files {
        if previous.get(path) != Some(bytes) || !out.join(path).exists() {
            let target = out.join(path);
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&target, bytes)?;
            written += 1;
        }
        current.insert(path.clone(), bytes.clone());
    }
    for path in previous.keys() {
        if !current.contains_key(path) {
            let _ = std::fs::remove_file(out.join(path));
        }
    }
    *previous = current;
    Ok(written)
}

/// What a build did, for the summary line.
pub struct Report {
    pub pages_per_lang: BTreeMap<Lang, usize>,
    pub files: usize,
    pub elapsed: Duration,
    pub warnings: Diagnostics,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pages: Vec<String> = self
            .pages_per_lang
            .iter()
            .map(|(lang, n)| format!("{n} {lang}"))
            .collect();
        write!(
            f,
            "Built {} pages ({}) and {} files in {} ms",
            self.pages_per_lang.values().sum::<usize>(),
            pages.join(", "),
            self.files,
            self.elapsed.as_millis()
        )
    }
}

/// Generates and writes the site: `site build`.
pub fn build(root: &Path, out: &Path, options: &Options) -> Result<Report, BuildError> {
    let started = Instant::now();
    let output = generate(root, options).map_err(BuildError::Content)?;
    write(&output, out).map_err(|err| BuildError::Write(out.to_path_buf(), err))?;
    Ok(Report {
        pages_per_lang: output.pages_per_lang,
        files: output.files.len(),
        elapsed: started.elapsed(),
        warnings: output.warnings,
    })
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{0}")]
    Content(Diagnostics),
    #[error("cannot write the site to {0}: {1}")]
    Write(PathBuf, std::io::Error),
}

/// Fingerprinted copies of `static/`: bytes under `assets/` and the name -> URL map.
struct Assets {
    files: Vec<(PathBuf, Vec<u8>)>,
    urls: BTreeMap<String, String>,
}

fn fingerprint_assets(root: &Path) -> Result<Assets, Diagnostic> {
    let dir = root.join("static");
    let mut assets = Assets {
        files: Vec::new(),
        urls: BTreeMap::new(),
    };
    if !dir.is_dir() {
        return Ok(assets);
    }
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let entry =
            entry.map_err(|err| Diagnostic::error("static", format!("cannot read: {err}")))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(&dir)
            .expect("inside")
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(entry.path()).map_err(|err| {
            Diagnostic::error(format!("static/{rel}"), format!("cannot read: {err}"))
        })?;
        let hash = Sha256::digest(&bytes);
        let short: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
        let hashed = match rel.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{short}.{ext}"),
            _ => format!("{rel}.{short}"),
        };
        assets.urls.insert(rel, format!("/assets/{hashed}"));
        assets
            .files
            .push((PathBuf::from("assets").join(hashed), bytes));
    }
    Ok(assets)
}

/// Renders pages of one library with one set of templates.
struct Renderer<'a> {
    library: &'a Library,
    tera: &'a Tera,
    options: &'a Options,
    assets: &'a BTreeMap<String, String>,
    by_url: HashMap<&'a str, &'a Page>,
    counterpart: HashMap<&'a str, &'a Page>,
    /// Section URL -> its pages, sorted by weight then URL.
    children: HashMap<&'a str, Vec<&'a Page>>,
    /// The registration form's page, per language.
    register_url: Localized<String>,
    /// The group intake form's page, per language.
    intake_url: Localized<String>,
    /// UI strings per language, French spacing applied.
    words: Localized<BTreeMap<&'a str, String>>,
    /// The main navigation per language (pages with `in_nav`), by weight then URL.
    nav: Localized<Vec<LinkContext>>,
    /// The context every page starts from, per language.
    base: Localized<Context>,
    /// The ten most recently modified pages, per language, for home pages.
    recent: Localized<Vec<&'a Page>>,
}

impl<'a> Renderer<'a> {
    fn new(
        library: &'a Library,
        tera: &'a Tera,
        options: &'a Options,
        assets: &'a BTreeMap<String, String>,
    ) -> Self {
        let by_url: HashMap<&str, &Page> =
            library.pages.iter().map(|p| (p.url.as_str(), p)).collect();
        let by_key: HashMap<(&str, Lang), &Page> = library
            .pages
            .iter()
            .map(|p| ((p.key.as_str(), p.lang), p))
            .collect();
        let counterpart = library
            .pages
            .iter()
            .filter_map(|p| {
                by_key
                    .get(&(p.key.as_str(), p.lang.other()))
                    .map(|other| (p.url.as_str(), *other))
            })
            .collect();
        let mut children: HashMap<&str, Vec<&Page>> = HashMap::new();
        for page in &library.pages {
            if let Some(parent) = page.parent_url()
                && let Some(section) = by_url.get(parent.as_str())
            {
                children.entry(section.url.as_str()).or_default().push(page);
            }
        }
        for list in children.values_mut() {
            list.sort_by(|a, b| {
                (a.front_matter.weight, &a.url).cmp(&(b.front_matter.weight, &b.url))
            });
        }
        let mut renderer = Renderer {
            nav: Localized::from_fn(|lang| nav(library, lang)),
            base: Localized::from_fn(|_| Context::new()),
            recent: Localized::from_fn(|lang| recent(library, lang)),
            library,
            tera,
            options,
            assets,
            by_url,
            counterpart,
            children,
            register_url: Localized::from_fn(|lang| form_page(library, "registration", lang)),
            intake_url: Localized::from_fn(|lang| form_page(library, "intake", lang)),
            words: Localized::from_fn(|lang| localized_strings(library, lang)),
        };
        renderer.base = Localized::from_fn(|lang| renderer.make_base_context(lang));
        renderer
    }
    fn strings(&self, lang: Lang) -> &BTreeMap<&'a str, String> {
        self.words.get(lang)
    }

    /// The form page for an offering: intake for groups, registration for activities.
    fn register_url(&self, kind: OfferingKind, lang: Lang) -> &str {
        match kind {
            OfferingKind::Group => self.intake_url.get(lang),
            OfferingKind::Activity => self.register_url.get(lang),
        }
    }

    fn offering_view(&self, id: &str, lang: Lang) -> Option<view::OfferingView> {
        self.library.offering(id).map(|o| {
            view::offering_view(
                o,
                lang,
                &self.options.now,
                self.library.config.zone_label,
                self.strings(lang),
                self.register_url(o.kind, lang),
            )
        })
    }

    /// The offering's view as templates see it (what a [`PageFrame`] carries).
    fn offering_json(&self, id: &str, lang: Lang) -> Option<serde_json::Value> {
        self.offering_view(id, lang)
            .map(|view| serde_json::to_value(view).expect("an offering view serializes"))
    }

    fn absolute(&self, url: &str) -> String {
        format!("{}{url}", self.library.config.base_url)
    }

    fn alternates(&self, en: &str, fr: &str) -> Vec<Alternate> {
        vec![
            Alternate {
                hreflang: Lang::En.locale().into(),
                url: self.absolute(en),
            },
            Alternate {
                hreflang: Lang::Fr.locale().into(),
                url: self.absolute(fr),
            },
            Alternate {
                hreflang: "x-default".into(),
                url: self.absolute("/"),
            },
        ]
    }

    /// The context shared by every template in `lang`.
    fn base_context(&self, lang: Lang) -> Context {
        self.base.get(lang).clone()
    }

    /// The context every page in `lang` starts from, built once per language.
    fn make_base_context(&self, lang: Lang) -> Context {
        let mut context = Context::new();
        context.insert("lang", &lang);
        context.insert("other_lang", &lang.other());
        context.insert("t", self.strings(lang));
        context.insert(
            "site",
            &SiteContext::new(&self.library.config, lang, self.assets),
        );
        context.insert("nav", self.nav.get(lang));
        context.insert("values", &json!({}));
        context.insert("errors", &json!([]));
        context
    }

    /// A page as a section or home page lists it: title, description, summary, offering.
    fn child(&self, c: &Page, lang: Lang) -> ChildContext {
        ChildContext {
            title: context::page_text(c, &c.front_matter.title),
            url: c.url.clone(),
            description: context::page_text(c, &c.front_matter.description),
            summary: c.body.summary.clone(),
            offering: c
                .front_matter
                .offering
                .as_ref()
                .and_then(|o| self.offering_json(o.get_ref(), lang)),
        }
    }

    /// Everything `page`'s template sees except the form's state: what the build renders the
    /// page from, and what it writes for the handler when the page holds a form.
    fn frame(&self, page: &Page) -> PageFrame {
        let lang = page.lang;
        let other = self.counterpart.get(page.url.as_str()).copied();
        let translation = other.map(|other| TranslationContext {
            url: other.url.clone(),
            title: context::page_text(other, &other.front_matter.title),
            lang: other.lang,
            lang_name: other.lang.endonym().into(),
        });
        let alternates = other.map(|other| {
            let (en, fr) = match lang {
                Lang::En => (&page.url, &other.url),
                Lang::Fr => (&other.url, &page.url),
            };
            self.alternates(en, fr)
        });
        let home = format!("/{lang}/");
        let nav: Vec<LinkContext> = self
            .nav
            .get(lang)
            .iter()
            .map(|item| LinkContext {
                current: page.url == item.url
                    || (item.url != home && page.url.starts_with(&item.url)),
                ..item.clone()
            })
            .collect();
        PageFrame {
            template: page.template().to_string(),
            lang,
            other_lang: lang.other(),
            site: SiteContext::new(&self.library.config, lang, self.assets),
            t: render::strings_in(&self.library.strings, lang),
            nav,
            page: self.page_context(page),
            translation,
            alternates,
            offering: page
                .front_matter
                .offering
                .as_ref()
                .map(|offering| self.offering_json(offering.get_ref(), lang).into()),
        }
    }

    /// What `page`'s template sees as `page`.
    fn page_context(&self, page: &Page) -> PageContext {
        let lang = page.lang;
        let children = if page.is_section {
            self.children
                .get(page.url.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|c| self.child(c, lang))
                .collect()
        } else {
            Vec::new()
        };
        let recent: Vec<ChildContext> = if page.url == format!("/{lang}/") {
            self.recent
                .get(lang)
                .iter()
                .map(|c| self.child(c, lang))
                .collect()
        } else {
            Vec::new()
        };
        let mut breadcrumbs = Vec::new();
        let mut parent = page.parent_url();
        while let Some(url) = parent {
            match self.by_url.get(url.as_str()) {
                Some(p) => {
                    breadcrumbs.push(LinkContext {
                        title: context::page_text(p, &p.front_matter.title),
                        url: p.url.clone(),
                        current: false,
                    });
                    parent = p.parent_url();
                }
                None => break,
            }
        }
        breadcrumbs.reverse();
        PageContext {
            title: context::page_text(page, &page.front_matter.title),
            description: context::page_text(page, &page.front_matter.description),
            content: page.body.html.clone(),
            url: page.url.clone(),
            date_modified: page
                .date_modified
                .map(datetime::iso_date)
                .unwrap_or_default(),
            is_section: page.is_section,
            children,
            recent,
            breadcrumbs,
        }
    }

    fn page(&self, page: &Page) -> Result<(PathBuf, Vec<u8>), Diagnostic> {
        let lang = page.lang;
        let mut context = self.frame(page).context();
        context.insert("values", &json!({}));
        context.insert("errors", &json!([]));
        if let Some(form) = &page.front_matter.form
            && let Some(definition) = self.library.form(form.get_ref())
        {
            context.insert(
                "form",
                &definition.view(lang, &self.library.offerings, &self.options.now),
            );
        }
        let html = self.tera.render(page.template(), &context).map_err(|err| {
            Diagnostic::error(
                &page.file,
                format!(
                    "the template `{}` failed: {}",
                    page.template(),
                    render::error_chain(&err)
                ),
            )
            .with_help("fix the template, or the page field it reads")
        })?;
        let path = PathBuf::from(page.url.trim_start_matches('/')).join("index.html");
        Ok((path, self.finish_html(html)))
    }

    fn finish_html(&self, html: String) -> Vec<u8> {
        if !self.options.live_reload {
            return html.into_bytes();
        }
        let tag = format!("<script src=\"{LIVE_RELOAD_SCRIPT}\" defer></script>");
        match html.find("</head>") {
            Some(i) => format!("{}{tag}{}", &html[..i], &html[i..]).into_bytes(),
            None => html.into_bytes(),
        }
    }

    /// The context of pages in both languages (the root page and the root 404): English as
    /// `lang`, and each language's site facts and strings side by side.
    fn bilingual_context(&self) -> Context {
        let mut context = self.base_context(Lang::En);
        context.insert(
            "site_en",
            &SiteContext::new(&self.library.config, Lang::En, self.assets),
        );
        context.insert(
            "site_fr",
            &SiteContext::new(&self.library.config, Lang::Fr, self.assets),
        );
        context.insert("t_en", self.strings(Lang::En));
        context.insert("t_fr", self.strings(Lang::Fr));
        context
    }

    /// `/index.html`: the page that offers both languages.
    fn root_page(&self) -> Result<Vec<(PathBuf, Vec<u8>)>, Diagnostic> {
        let mut context = self.bilingual_context();
        context.insert("alternates", &self.alternates("/en/", "/fr/"));
        let html = self
            .tera
            .render("root.html", &context)
            .map_err(|err| template_error("root.html", &err))?;
        Ok(vec![("index.html".into(), self.finish_html(html))])
    }

    /// `/en/404.html`, `/fr/404.html` and the bilingual `/404.html`.
    fn not_found_pages(&self) -> Result<Vec<(PathBuf, Vec<u8>)>, Diagnostic> {
        let mut files = Vec::new();
        for lang in Lang::ALL {
            let mut context = self.base_context(lang);
            let other = lang.other();
            context.insert(
                "translation",
                &json!({
                    // A missing page has no counterpart: the toggle leads to the other home page.
                    "url": format!("/{other}/"),
                    "title": "404",
                    "lang": other,
                    "lang_name": other.endonym(),
                }),
            );
            let html = self
                .tera
                .render("404.html", &context)
                .map_err(|err| template_error("404.html", &err))?;
            files.push((
                PathBuf::from(lang.code()).join("404.html"),
                self.finish_html(html),
            ));
        }
        if self.tera.get_template_names().any(|n| n == "root-404.html") {
            let context = self.bilingual_context();
            let html = self
                .tera
                .render("root-404.html", &context)
                .map_err(|err| template_error("root-404.html", &err))?;
            files.push(("404.html".into(), self.finish_html(html)));
        } else {
            let english = files[0].1.clone();
            files.push(("404.html".into(), english));
        }
        Ok(files)
    }

    /// One `.ics` per session and language.
    fn calendars(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        for offering in &self.library.offerings {
            for cohort in &offering.cohorts {
                for (i, session) in cohort.sessions.iter().enumerate() {
                    for lang in Lang::ALL {
                        let url = view::ics_url(lang, &offering.id, &cohort.id, i + 1);
                        let text = self.calendar_file(offering, &cohort.id, i, session, lang);
                        files.push((
                            PathBuf::from(url.trim_start_matches('/')),
                            text.into_bytes(),
                        ));
                    }
                }
            }
        }
        files
    }

    /// The `.ics` of session `i` of a cohort. With `[discretion] calendar` on (the default), it
    /// names neither the program nor the activity: its title is the neutral
    /// `discreet_calendar_summary`, with no description or link, and its UID is a hash, since a
    /// calendar is often seen by others.
    fn calendar_file(
        &self,
        offering: &model::Offering,
        cohort: &str,
        i: usize,
        session: &model::offering::Session,
        lang: Lang,
    ) -> String {
        let config = &self.library.config;
        let host = config
            .base_url
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let uid = format!("{}-{cohort}-{}@{host}", offering.id, i + 1);
        let event = |uid, summary: &str, description: Option<&str>, url: Option<&str>| {
            ics::calendar(&ics::Event {
                uid,
                summary,
                description,
                url,
                start: &session.start,
                end: &session.end,
                stamp: &self.options.now,
            })
        };
        if config.discretion.calendar {
            let summary = self
                .library
                .strings
                .get("discreet_calendar_summary")
                .map_or("", |words| words.get(lang).as_str());
            let hash: String = Sha256::digest(uid.as_bytes())[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            return event(format!("{hash}@calendar.invalid"), summary, None, None);
        }
        let title = offering.title.get(lang);
        let summary = match (offering.parts.get(i), lang) {
            (Some(part), Lang::En) => format!("{title}: {}", part.title.get(lang)),
            (Some(part), Lang::Fr) => {
                model::typography::french(&format!("{title} : {}", part.title.get(lang)))
            }
            (None, _) => title.clone(),
        };
        let page_url = self
            .library
            .pages
            .iter()
            .find(|p| {
                p.lang == lang
                    && p.front_matter
                        .offering
                        .as_ref()
                        .is_some_and(|o| o.get_ref() == &offering.id)
            })
            .map(|p| self.absolute(&p.url))
            .unwrap_or_else(|| self.absolute(&format!("/{lang}/")));
        let description = format!(
            "{} - {}",
            config.program.name.get(lang),
            offering.summary.get(lang)
        );
        event(uid, &summary, Some(&description), Some(&page_url))
    }

    /// `sitemap.xml` with hreflang alternates for every page pair, from `templates/sitemap.xml`
    /// (XML-escaped like every other template).
    fn sitemap(&self) -> Result<Vec<(PathBuf, Vec<u8>)>, Diagnostic> {
        let mut pages: Vec<&Page> = self.library.pages.iter().collect();
        pages.sort_by(|a, b| a.url.cmp(&b.url));
        let entries: Vec<SitemapEntry> = pages
            .into_iter()
            .map(|page| {
                let mut versions = vec![page];
                if let Some(other) = self.counterpart.get(page.url.as_str()) {
                    versions.push(other);
                }
                versions.sort_by_key(|p| p.lang);
                SitemapEntry {
                    loc: self.absolute(&page.url),
                    lastmod: page.date_modified.map(datetime::iso_date),
                    alternates: versions
                        .into_iter()
                        .map(|v| Alternate {
                            hreflang: v.lang.locale().into(),
                            url: self.absolute(&v.url),
                        })
                        .collect(),
                }
            })
            .collect();
        let mut context = Context::new();
        context.insert("entries", &entries);
        self.render_file("sitemap.xml", &context)
    }

    /// `robots.txt`, from `templates/robots.txt` (`site.base_url` and `sitemap_url` in context).
    fn robots(&self) -> Result<Vec<(PathBuf, Vec<u8>)>, Diagnostic> {
        let mut context = self.base_context(Lang::En);
        context.insert("sitemap_url", &self.absolute("/sitemap.xml"));
        self.render_file("robots.txt", &context)
    }

    /// A file at the top of the site rendered from the template of the same name.
    fn render_file(
        &self,
        name: &str,
        context: &Context,
    ) -> Result<Vec<(PathBuf, Vec<u8>)>, Diagnostic> {
        let text = self
            .tera
            .render(name, context)
            .map_err(|err| template_error(name, &err))?;
        Ok(vec![(name.into(), text.into_bytes())])
    }

    /// `_passerelle/forms.json`: the page holding each form, per language, with its frame, so
    /// the handler can render that page again (render::FormPages, read by the handler).
    fn forms_manifest(&self) -> Vec<u8> {
        let mut pages = render::FormPages::default();
        for page in &self.library.pages {
            if let Some(form) = &page.front_matter.form {
                let frame = self.frame(page);
                let url = page.url.clone();
                pages.insert(form.get_ref(), page.lang, render::FormPage { url, frame });
            }
        }
        pages.to_json()
    }
}

/// The page holding `form` in `lang` (empty when none does).
fn form_page(library: &Library, form: &str, lang: Lang) -> String {
    library
        .pages
        .iter()
        .find(|p| {
            p.lang == lang
                && p.front_matter
                    .form
                    .as_ref()
                    .is_some_and(|f| f.get_ref() == form)
        })
        .map(|p| p.url.clone())
        .unwrap_or_default()
}

/// The ten most recently modified pages in `lang` (sections aside), newest first.
fn recent(library: &Library, lang: Lang) -> Vec<&Page> {
    let mut pages: Vec<&Page> = library
        .pages
        .iter()
        .filter(|p| p.lang == lang && !p.is_section)
        .collect();
    pages.sort_by(|a, b| {
        b.date_modified
            .cmp(&a.date_modified)
            .then(a.url.cmp(&b.url))
    });
    pages.truncate(10);
    pages
}

/// The main navigation in `lang`: pages with `in_nav`, by weight then URL.
fn nav(library: &Library, lang: Lang) -> Vec<LinkContext> {
    let mut pages: Vec<&Page> = library
        .pages
        .iter()
        .filter(|p| p.lang == lang && p.front_matter.in_nav)
        .collect();
    pages.sort_by(|a, b| (a.front_matter.weight, &a.url).cmp(&(b.front_matter.weight, &b.url)));
    pages
        .into_iter()
        .map(|p| LinkContext {
            title: context::page_text(p, &p.front_matter.title),
            url: p.url.clone(),
            current: false,
        })
        .collect()
}

/// The UI strings in `lang`, with French spacing applied to French.
fn localized_strings(library: &Library, lang: Lang) -> BTreeMap<&str, String> {
    library
        .strings
        .iter()
        .map(|(k, v)| {
            let text = v.get(lang);
            let text = match lang {
                Lang::En => text.clone(),
                Lang::Fr => model::typography::french(text),
            };
            (k.as_str(), text)
        })
        .collect()
}

fn template_error(name: &str, err: &tera::Error) -> Diagnostic {
    let file = format!("templates/{name}");
    if matches!(err.kind, tera::ErrorKind::TemplateNotFound(_)) {
        return Diagnostic::error(&file, "the template is missing").with_help(format!(
            "every site needs {file}: copy it from Passerelle's templates/ folder"
        ));
    }
    Diagnostic::error(
        &file,
        format!("the template failed: {}", render::error_chain(err)),
    )
    .with_help("fix the template, or the setting or string it reads (named above)")
}

//! Every page's context and its rendering: the frame a page is rendered from (and the handler
//! renders form pages again from), the root page and the 404 pages.

use crate::content::{Library, Page};
use crate::context::{
    self, Alternate, ChildContext, LinkContext, PageContext, PageFrame, SiteContext,
    TranslationContext,
};
use crate::view;
use model::offering::OfferingKind;
use model::{Diagnostic, Lang, Localized, datetime};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use tera::{Context, Tera};

use super::{LIVE_RELOAD_SCRIPT, Options};

/// Renders pages of one library with one set of templates.
pub(super) struct Renderer<'a> {
    pub(super) library: &'a Library,
    pub(super) tera: &'a Tera,
    pub(super) options: &'a Options,
    pub(super) assets: &'a BTreeMap<String, String>,
    pub(super) by_url: HashMap<&'a str, &'a Page>,
    pub(super) counterpart: HashMap<&'a str, &'a Page>,
    /// Section URL -> its pages, sorted by weight then URL.
    pub(super) children: HashMap<&'a str, Vec<&'a Page>>,
    /// The registration form's page, per language.
    pub(super) register_url: Localized<String>,
    /// The group intake form's page, per language.
    pub(super) intake_url: Localized<String>,
    /// UI strings per language, French spacing applied.
    pub(super) words: Localized<BTreeMap<&'a str, String>>,
    /// The main navigation per language (pages with `in_nav`), by weight then URL.
    pub(super) nav: Localized<Vec<LinkContext>>,
    /// The context every page starts from, per language.
    pub(super) base: Localized<Context>,
    /// The ten most recently modified pages, per language, for home pages.
    pub(super) recent: Localized<Vec<&'a Page>>,
}

impl<'a> Renderer<'a> {
    pub(super) fn new(
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
    pub(super) fn strings(&self, lang: Lang) -> &BTreeMap<&'a str, String> {
        self.words.get(lang)
    }

    /// The form page for an offering: intake for groups, registration for activities.
    pub(super) fn register_url(&self, kind: OfferingKind, lang: Lang) -> &str {
        match kind {
            OfferingKind::Group => self.intake_url.get(lang),
            OfferingKind::Activity => self.register_url.get(lang),
        }
    }

    pub(super) fn offering_view(&self, id: &str, lang: Lang) -> Option<view::OfferingView> {
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
    pub(super) fn offering_json(&self, id: &str, lang: Lang) -> Option<serde_json::Value> {
        self.offering_view(id, lang)
            .map(|view| serde_json::to_value(view).expect("an offering view serializes"))
    }

    pub(super) fn absolute(&self, url: &str) -> String {
        format!("{}{url}", self.library.config.base_url)
    }

    pub(super) fn alternates(&self, en: &str, fr: &str) -> Vec<Alternate> {
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
    pub(super) fn base_context(&self, lang: Lang) -> Context {
        self.base.get(lang).clone()
    }

    /// The context every page in `lang` starts from, built once per language.
    pub(super) fn make_base_context(&self, lang: Lang) -> Context {
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
        context.insert("live_reload", self.live_reload());
        context
    }

    /// The live-reload script's address while `site serve` builds, else empty: the layouts
    /// draw its tag from it (partials/live-reload.html), nothing edits the rendered HTML.
    fn live_reload(&self) -> &'static str {
        if self.options.live_reload {
            LIVE_RELOAD_SCRIPT
        } else {
            ""
        }
    }

    /// A page as a section or home page lists it: title, description, summary, offering.
    pub(super) fn child(&self, c: &Page, lang: Lang) -> ChildContext {
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
    pub(super) fn frame(&self, page: &Page) -> PageFrame {
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
    pub(super) fn page_context(&self, page: &Page) -> PageContext {
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

    pub(super) fn page(&self, page: &Page) -> Result<(PathBuf, Vec<u8>), Diagnostic> {
        let lang = page.lang;
        let mut context = self.frame(page).context();
        context.insert("live_reload", self.live_reload());
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
        Ok((path, html.into_bytes()))
    }

    /// The context of pages in both languages (the root page and the root 404): English as
    /// `lang`, and each language's site facts and strings side by side.
    pub(super) fn bilingual_context(&self) -> Context {
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
    pub(super) fn root_page(&self) -> Result<Vec<(PathBuf, Vec<u8>)>, Diagnostic> {
        let mut context = self.bilingual_context();
        context.insert("alternates", &self.alternates("/en/", "/fr/"));
        let html = self
            .tera
            .render("root.html", &context)
            .map_err(|err| template_error("root.html", &err))?;
        Ok(vec![("index.html".into(), html.into_bytes())])
    }

    /// `/en/404.html`, `/fr/404.html` and the bilingual `/404.html`.
    pub(super) fn not_found_pages(&self) -> Result<Vec<(PathBuf, Vec<u8>)>, Diagnostic> {
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
                html.into_bytes(),
            ));
        }
        if self.tera.get_template_names().any(|n| n == "root-404.html") {
            let context = self.bilingual_context();
            let html = self
                .tera
                .render("root-404.html", &context)
                .map_err(|err| template_error("root-404.html", &err))?;
            files.push(("404.html".into(), html.into_bytes()));
        } else {
            let english = files[0].1.clone();
            files.push(("404.html".into(), english));
        }
        Ok(files)
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

pub(super) fn template_error(name: &str, err: &tera::Error) -> Diagnostic {
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

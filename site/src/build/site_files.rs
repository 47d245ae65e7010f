//! The site's other files: one calendar file per session, the sitemap and robots.txt (from
//! their templates), and `_passerelle/forms.json` for the handler.

use crate::content::Page;
use crate::context::{Alternate, SitemapEntry};
use crate::ics;
use crate::view;
use model::{Diagnostic, Lang, datetime};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tera::Context;

use super::pages::{Renderer, template_error};

impl Renderer<'_> {
    /// One `.ics` per session and language.
    pub(super) fn calendars(&self) -> Vec<(PathBuf, Vec<u8>)> {
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
    pub(super) fn calendar_file(
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
    pub(super) fn sitemap(&self) -> Result<Vec<(PathBuf, Vec<u8>)>, Diagnostic> {
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
    pub(super) fn robots(&self) -> Result<Vec<(PathBuf, Vec<u8>)>, Diagnostic> {
        let mut context = self.base_context(Lang::En);
        context.insert("sitemap_url", &self.absolute("/sitemap.xml"));
        self.render_file("robots.txt", &context)
    }

    /// A file at the top of the site rendered from the template of the same name.
    pub(super) fn render_file(
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
    pub(super) fn forms_manifest(&self) -> Vec<u8> {
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

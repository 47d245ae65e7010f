//! What a page template sees, typed, and the contract between the build and the form handler:
//! the build writes every form page's [`PageFrame`] into `_passerelle/forms.json`
//! ([`FormPages`]), and the handler reads it back with the same types to render that page again
//! (with the person's answers and errors, or the confirmation) through the same templates.

use model::{Lang, Localized, SiteConfig, typography};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Site-wide facts every template sees as `site`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Fingerprinted asset addresses by source name (`form.js` -> `/assets/form.1a2b3.js`).
    pub assets: BTreeMap<String, String>,
    /// Calendar files name neither the program nor the activity (`[discretion] calendar`).
    pub discreet_calendar: bool,
}

impl SiteContext {
    /// The site's facts in `lang` (French spacing applied to French), with the build's
    /// fingerprinted `assets`.
    pub fn new(config: &SiteConfig, lang: Lang, assets: &BTreeMap<String, String>) -> Self {
        let program = &config.program;
        SiteContext {
            name: in_lang(program.name.get(lang), lang),
            org_name: in_lang(program.org_name.get(lang), lang),
            org_short_name: program.org_short_name.get(lang).clone(),
            phone: program.phone.clone(),
            phone_href: config.phone_href(),
            email: program.email.clone(),
            quick_exit_url: config.quick_exit_url.clone(),
            base_url: config.base_url.clone(),
            css: assets.get("site.css").cloned().unwrap_or_default(),
            js: assets.get("site.js").cloned().unwrap_or_default(),
            assets: assets.clone(),
            discreet_calendar: config.discretion.calendar,
        }
    }
}

/// `text` as shown in `lang`: French spacing for French.
fn in_lang(text: &str, lang: Lang) -> String {
    match lang {
        Lang::En => text.to_string(),
        Lang::Fr => typography::french(text),
    }
}

/// The interface strings (`content/strings.toml`) as templates see them in `lang` (`t`), French
/// spacing applied to French.
pub fn strings_in(strings: &BTreeMap<String, Localized>, lang: Lang) -> BTreeMap<String, String> {
    strings
        .iter()
        .map(|(key, words)| (key.clone(), in_lang(words.get(lang), lang)))
        .collect()
}

/// A link in navigation, breadcrumbs and lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkContext {
    pub title: String,
    pub url: String,
    pub current: bool,
}

/// The counterpart page in the other language (the language toggle leads there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranslationContext {
    pub url: String,
    pub title: String,
    pub lang: Lang,
    pub lang_name: String,
}

/// One `<link rel="alternate" hreflang>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternate {
    pub hreflang: String,
    pub url: String,
}

/// A page in a section's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildContext {
    pub title: String,
    pub url: String,
    pub description: String,
    pub summary: String,
    /// The offering the page presents, as the generator's `view::OfferingView` serializes it.
    pub offering: Option<serde_json::Value>,
}

/// What a page template sees as `page`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageContext {
    pub title: String,
    pub description: String,
    /// The page's Markdown, rendered to HTML.
    pub content: String,
    pub url: String,
    pub date_modified: String,
    pub is_section: bool,
    pub children: Vec<ChildContext>,
    /// On a language's home page: the ten most recently modified pages.
    pub recent: Vec<ChildContext>,
    pub breadcrumbs: Vec<LinkContext>,
}

/// Everything a page's template sees except the form's state (`form`, `values`, `errors`):
/// the build renders each page from its frame, and the handler renders a form's page again
/// from the frame the build wrote, so both draw the same navigation, assets and toggle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageFrame {
    /// The template the page is rendered with (`page.html`, or its front matter's `template`).
    pub template: String,
    pub lang: Lang,
    pub other_lang: Lang,
    pub site: SiteContext,
    /// The interface strings in this language.
    pub t: BTreeMap<String, String>,
    pub nav: Vec<LinkContext>,
    pub page: PageContext,
    /// Absent when the page has no counterpart (templates test `translation is defined`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translation: Option<TranslationContext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternates: Option<Vec<Alternate>>,
    /// The offering the page presents (`view::OfferingView`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offering: Option<serde_json::Value>,
}

impl PageFrame {
    /// The template context of this frame: every field under its name.
    pub fn context(&self) -> tera::Context {
        tera::Context::from_serialize(self).expect("a frame serializes to a map")
    }
}

/// Where the build writes [`FormPages`], relative to the built site.
pub const FORM_PAGES: &str = "_passerelle/forms.json";

/// The page that holds a form in one language: its address and its frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormPage {
    /// The page's address (`/en/groups/apply/`).
    pub url: String,
    pub frame: PageFrame,
}

/// `_passerelle/forms.json`: form id -> language -> the page holding it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FormPages(pub BTreeMap<String, BTreeMap<Lang, FormPage>>);

impl FormPages {
    /// The page holding `form` in `lang`.
    pub fn get(&self, form: &str, lang: Lang) -> Option<&FormPage> {
        self.0.get(form)?.get(&lang)
    }

    /// Records that `page` holds `form` in `lang`.
    pub fn insert(&mut self, form: &str, lang: Lang, page: FormPage) {
        self.0
            .entry(form.to_string())
            .or_default()
            .insert(lang, page);
    }

    /// The file's bytes, as the build writes them.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("serializable")
    }

    /// Reads `_passerelle/forms.json` from the built site in `dist`.
    pub fn read(dist: &Path) -> Result<FormPages, String> {
        let path = dist.join(FORM_PAGES);
        let text = std::fs::read_to_string(&path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(lang: Lang) -> PageFrame {
        PageFrame {
            template: "page.html".into(),
            lang,
            other_lang: lang.other(),
            site: SiteContext {
                name: "Program".into(),
                org_name: "Org".into(),
                org_short_name: "O".into(),
                phone: "1-800-555-0100".into(),
                phone_href: "tel:+18005550100".into(),
                email: "a@example.ca".into(),
                quick_exit_url: "https://example.ca".into(),
                base_url: "https://site.example.ca".into(),
                css: "/assets/site.1.css".into(),
                js: "/assets/site.1.js".into(),
                assets: BTreeMap::from([("form.js".into(), "/assets/form.1.js".into())]),
                discreet_calendar: true,
            },
            t: BTreeMap::from([("error_prefix".into(), "Error:".into())]),
            nav: vec![LinkContext {
                title: "Groups".into(),
                url: "/en/groups/".into(),
                current: true,
            }],
            page: PageContext {
                title: "Apply".into(),
                description: "Ask to join".into(),
                content: "<p>Intro.</p>".into(),
                url: "/en/groups/apply/".into(),
                date_modified: "2026-01-02".into(),
                is_section: false,
                children: Vec::new(),
                recent: Vec::new(),
                breadcrumbs: Vec::new(),
            },
            translation: (lang == Lang::En).then(|| TranslationContext {
                url: "/fr/groupes/demande/".into(),
                title: "Demande".into(),
                lang: Lang::Fr,
                lang_name: "Français".into(),
            }),
            alternates: None,
            offering: Some(serde_json::json!({ "state": "registration-open" })),
        }
    }

    #[test]
    fn the_form_pages_the_build_writes_are_the_ones_the_handler_reads() {
        let mut pages = FormPages::default();
        for lang in Lang::ALL {
            let url = format!("/{lang}/groups/apply/");
            let frame = frame(lang);
            pages.insert("intake", lang, FormPage { url, frame });
        }
        let dist = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dist.path().join("_passerelle")).unwrap();
        std::fs::write(dist.path().join(FORM_PAGES), pages.to_json()).unwrap();
        let read = FormPages::read(dist.path()).unwrap();
        assert_eq!(read, pages);
        assert_eq!(
            read.get("intake", Lang::Fr).unwrap().url,
            "/fr/groups/apply/"
        );
        assert!(read.get("feedback", Lang::En).is_none());
    }

    #[test]
    fn absent_parts_of_a_frame_are_undefined_to_templates() {
        let context = frame(Lang::Fr).context().into_json();
        assert!(context.get("translation").is_none());
        assert!(context.get("alternates").is_none());
        assert_eq!(context["page"]["title"], "Apply");
        assert_eq!(context["other_lang"], "en");
    }
}

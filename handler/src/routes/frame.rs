//! The frame of every page the handler draws itself (the workspace's, the withdrawal page): a
//! [`render::PageFrame`] with the site's facts and built assets, the interface strings, no
//! site navigation, and the language toggle to the same page in the other language. One
//! function, so the two kinds of page cannot drift apart (review d2).

use crate::state::AppState;
use model::Lang;
use render::{PageContext, PageFrame, SiteContext, TranslationContext};

/// What a page's frame needs: its template (under `templates/`), its title's key in
/// content/strings.toml, and its address in its language and in the other one.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    pub template: &'a str,
    pub title_key: &'a str,
    pub url: String,
    pub other_url: String,
}

/// The frame of `frame`'s page in `lang`.
pub fn page_frame(state: &AppState, lang: Lang, frame: Frame<'_>) -> PageFrame {
    let content = state.content();
    let words = content.words();
    let other = lang.other();
    PageFrame {
        template: frame.template.to_string(),
        lang,
        other_lang: other,
        site: SiteContext::new(&content.site, lang, &state.pages().assets()),
        t: render::strings_in(&content.strings, lang),
        nav: Vec::new(),
        page: PageContext {
            title: words.get(frame.title_key, lang),
            description: String::new(),
            content: String::new(),
            url: frame.url,
            date_modified: String::new(),
            is_section: false,
            children: Vec::new(),
            recent: Vec::new(),
            breadcrumbs: Vec::new(),
        },
        translation: Some(TranslationContext {
            url: frame.other_url,
            title: words.get(frame.title_key, other),
            lang: other,
            lang_name: other.endonym().into(),
        }),
        alternates: None,
        offering: None,
    }
}

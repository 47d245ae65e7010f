//! What the templates see: one typed context per page. The types a form's page is rendered
//! from live in the `render` crate (the handler renders those pages again); the sitemap's are
//! the generator's own.

use crate::content::Page;
use model::Lang;
use model::typography;
use serde::Serialize;

pub use render::{
    Alternate, ChildContext, LinkContext, PageContext, PageFrame, SiteContext, TranslationContext,
};

/// One page in `sitemap.xml`: its address, when it last changed, and both languages' versions.
#[derive(Debug, Clone, Serialize)]
pub struct SitemapEntry {
    pub loc: String,
    pub lastmod: Option<String>,
    pub alternates: Vec<Alternate>,
}

/// Page titles and descriptions with French spacing applied.
pub fn page_text(page: &Page, text: &str) -> String {
    match page.lang {
        Lang::En => text.to_string(),
        Lang::Fr => typography::french(text),
    }
}

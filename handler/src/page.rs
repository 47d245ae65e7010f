//! Working on a built page's HTML: replacing the form region between the markers, and the title.

use model::Lang;

/// Where the form region starts.
pub const START: &str = "<!-- passerelle:form -->";
/// Where the form region ends.
pub const END: &str = "<!-- /passerelle:form -->";

/// `page` with the region between the markers (markers included) replaced by `region` (which
/// carries its own markers). `None` when the page has no region.
pub fn replace_region(page: &str, region: &str) -> Option<String> {
    let start = page.find(START)?;
    let end = start + page[start..].find(END)? + END.len();
    let region = region.trim();
    Some(format!("{}{}{}", &page[..start], region, &page[end..]))
}

/// Where a form page's title and introduction start and end (templates/page.html).
pub const INTRO_START: &str = "<!-- passerelle:intro -->";
/// See [`INTRO_START`].
pub const INTRO_END: &str = "<!-- /passerelle:intro -->";

/// `page` without its title and introduction (what the confirmation replaces), when marked.
pub fn without_intro(page: &str) -> String {
    let Some(start) = page.find(INTRO_START) else {
        return page.to_string();
    };
    let Some(length) = page[start..].find(INTRO_END) else {
        return page.to_string();
    };
    let end = start + length + INTRO_END.len();
    format!("{}{}", &page[..start], page[end..].trim_start())
}

/// The language toggle's link (templates/partials/lang-toggle.html), up to its address.
const TOGGLE_HREF: &str = "class=\"ps-lang-toggle__link\" href=\"";

/// `page` with its language toggle leading to `href` (HTML-escaped here).
pub fn retarget_toggle(page: &str, href: &str) -> String {
    let Some(at) = page.find(TOGGLE_HREF) else {
        return page.to_string();
    };
    let from = at + TOGGLE_HREF.len();
    let Some(length) = page[from..].find('"') else {
        return page.to_string();
    };
    format!(
        "{}{}{}",
        &page[..from],
        escape(href),
        &page[from + length..]
    )
}

/// `page` with its `<title>` text replaced by `change(old title)`. The title is HTML text: the
/// old one comes escaped, and the new one must be too.
pub fn retitle(page: &str, change: impl FnOnce(&str) -> String) -> String {
    let Some(open) = page.find("<title>") else {
        return page.to_string();
    };
    let from = open + "<title>".len();
    let Some(length) = page[from..].find("</title>") else {
        return page.to_string();
    };
    let to = from + length;
    format!(
        "{}{}{}",
        &page[..from],
        change(&page[from..to]),
        &page[to..]
    )
}

/// The site's part of a title: "Peer Support Program" in "Join a group - Peer Support Program".
pub fn title_suffix(title: &str) -> Option<&str> {
    title.split_once(" - ").map(|(_, suffix)| suffix)
}

pub use model::html::escape;

/// A bare page around a region, for when the built page is missing (site not built yet).
pub fn bare(lang: Lang, title: &str, region: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n</head>\n<body>\n<main id=\"main-content\">\n{}\n</main>\n</body>\n</html>\n",
        lang.code(),
        escape(title),
        region.trim()
    )
}

/// A short page in both languages (English first), for refusals that happen before the
/// language is known. `texts` are (title, message) pairs per language.
pub fn bilingual_message(en: (&str, &str), fr: (&str, &str)) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} / {}</title>\n</head>\n<body>\n<main id=\"main-content\">\n\
         <h1>{}</h1>\n<p>{}</p>\n<div lang=\"fr\">\n<h2>{}</h2>\n<p>{}</p>\n</div>\n</main>\n</body>\n</html>\n",
        escape(en.0),
        escape(fr.0),
        escape(en.0),
        escape(en.1),
        escape(fr.0),
        escape(fr.1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_intro_goes_and_the_toggle_follows() {
        let page = "<header><a class=\"ps-lang-toggle__link\" href=\"/fr/formulaire/\" lang=\"fr\">Français</a></header>\n\
                    <main><!-- passerelle:intro -->\n<h1>Apply</h1>\n<p>Intro.</p>\n<!-- /passerelle:intro -->\n\
                    <!-- passerelle:form -->x<!-- /passerelle:form --></main>";
        let page = retarget_toggle(
            &without_intro(page),
            "/api/forms/a/confirmation?ref=K&lang=fr",
        );
        assert_eq!(
            page,
            "<header><a class=\"ps-lang-toggle__link\" href=\"/api/forms/a/confirmation?ref=K&amp;lang=fr\" lang=\"fr\">Français</a></header>\n\
             <main><!-- passerelle:form -->x<!-- /passerelle:form --></main>"
        );
        assert_eq!(without_intro("<p>no markers</p>"), "<p>no markers</p>");
        assert_eq!(
            retarget_toggle("<p>no toggle</p>", "/x"),
            "<p>no toggle</p>"
        );
    }

    const PAGE: &str = "<html><head><title>Join a group - Peer Support Program</title></head>\
        <body><h1>Join</h1><!-- passerelle:form -->\n<form>old</form>\n<!-- /passerelle:form -->\
        <script src=\"/assets/form.1.js\" defer></script></body></html>";

    #[test]
    fn the_region_is_replaced_and_the_rest_kept() {
        let page = replace_region(
            PAGE,
            "<!-- passerelle:form -->new<!-- /passerelle:form -->\n",
        )
        .unwrap();
        assert!(
            page.contains(
                "<h1>Join</h1><!-- passerelle:form -->new<!-- /passerelle:form --><script"
            )
        );
        assert!(!page.contains("old"));
        assert_eq!(replace_region("<p>no form</p>", "x"), None);
    }

    #[test]
    fn titles_change_and_keep_the_site_name() {
        let page = retitle(PAGE, |old| format!("Error: {old}"));
        assert!(page.contains("<title>Error: Join a group - Peer Support Program</title>"));
        assert_eq!(
            title_suffix("Join a group - Peer Support Program"),
            Some("Peer Support Program")
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}

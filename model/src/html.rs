//! Escaping text for HTML, shared by the generator's templates and the handler's pages.

/// Escapes text for HTML content and quoted attributes: `& < > " '`. Unlike Tera's default it
/// leaves `/` alone, so URLs stay readable and pages small.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_quotes_but_not_slashes() {
        assert_eq!(
            super::escape(r#"<a href="/x">'&'</a>"#),
            "&lt;a href=&quot;/x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}

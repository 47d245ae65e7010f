//! Characters that change how text displays without showing themselves: bidirectional
//! controls (U+202E before "txt.exe" makes it display as "exe.txt"), zero-width and other
//! format characters (U+200B, U+200D, U+FEFF), and blank fillers. A name made of them could pass for someone
//! else's in a coordinator's email or spreadsheet, so wherever coordinators read answers (the
//! notice and the export) each one is written as its code point, `<U+202E>`, in this one place.
//! The store keeps what the person typed.

use std::borrow::Cow;

/// Whether `c` is invisible or reorders text: Unicode's format characters (general category
/// Cf), the line and paragraph separators, and the fillers that display as blank.
pub fn is_hidden(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{115F}'..='\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// `text` with every hidden character written as `<U+XXXX>`; unchanged (borrowed) when it has
/// none.
pub fn reveal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hidden(c) {
            shown.push_str(&format!("<U+{:04X}>", u32::from(c)));
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_and_invisible_characters_are_written_as_code_points() {
        assert_eq!(
            reveal("Sam\u{202E}txt.exe"),
            "Sam<U+202E>txt.exe",
            "right-to-left override"
        );
        for (c, code) in [
            ('\u{200B}', "<U+200B>"),
            ('\u{200D}', "<U+200D>"),
            ('\u{FEFF}', "<U+FEFF>"),
            ('\u{2066}', "<U+2066>"),
            ('\u{2069}', "<U+2069>"),
            ('\u{200E}', "<U+200E>"),
            ('\u{061C}', "<U+061C>"),
            ('\u{E0041}', "<U+E0041>"),
            ('\u{3164}', "<U+3164>"),
        ] {
            assert_eq!(reveal(&format!("a{c}b")), format!("a{code}b"));
        }
    }

    #[test]
    fn ordinary_text_in_any_script_is_untouched() {
        for text in [
            "Sam Tester",
            "Éloïse Côté-Lévesque",
            "سامي",
            "山田 花子",
            "613-555-0100",
        ] {
            assert!(matches!(reveal(text), Cow::Borrowed(t) if t == text));
        }
    }
}

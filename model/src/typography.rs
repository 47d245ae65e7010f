//! Typography applied to prose, never to code, URLs or attributes (the Markdown renderer calls
//! these on text only). English gets curly quotes from pulldown-cmark's smart punctuation;
//! French gets its spacing rules here.

use crate::lang::Lang;

/// U+202F, the narrow no-break space French puts before ; ! ?
pub const NARROW_NBSP: char = '\u{202f}';
/// U+00A0, the no-break space French puts before : and inside « ».
pub const NBSP: char = '\u{a0}';

/// Applies French spacing to prose:
/// - a space before `;`, `!`, `?` becomes a narrow no-break space;
/// - a space before `:` and inside `« »` becomes a no-break space (added inside « » if missing);
/// - curly double quotes become « » with no-break spaces;
/// - "17 h 30" and "17 h" never break.
///
/// Only existing spaces are changed before `; ! ? :`, so text such as `http://` or `17:00`
/// stays as written.
pub fn french(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let prev = i.checked_sub(1).map(|p| chars[p]);
        match c {
            ' ' if matches!(next, Some(';' | '!' | '?')) => out.push(NARROW_NBSP),
            ' ' if next == Some(':') => out.push(NBSP),
            ' ' if next == Some('»') || prev == Some('«') => out.push(NBSP),
            ' ' if is_hour_space(&chars, i) => out.push(NBSP),
            '“' => {
                out.push('«');
                if next != Some(' ') {
                    out.push(NBSP);
                }
            }
            '”' => {
                if !matches!(prev, Some(' ' | NBSP)) {
                    out.push(NBSP);
                } else if prev == Some(' ') {
                    out.pop();
                    out.push(NBSP);
                }
                out.push('»');
            }
            '«' => {
                out.push('«');
                if next.is_some_and(|n| n != ' ' && n != NBSP) {
                    out.push(NBSP);
                }
            }
            '»' => {
                if prev.is_some_and(|p| p != ' ' && p != NBSP) {
                    out.push(NBSP);
                }
                out.push('»');
            }
            _ => out.push(c),
        }
    }
    out
}

/// `text` as it is shown in `lang`: French spacing for French, English as written.
pub fn in_lang(text: &str, lang: Lang) -> String {
    match lang {
        Lang::En => text.to_string(),
        Lang::Fr => french(text),
    }
}

/// Where French spacing is missing: the byte offset of each `?`, `!` or `;` written straight
/// after a letter, a digit or closing punctuation ("participer?" rather than "participer ?").
/// [`french`] turns an ordinary space into the right no-break one but cannot add a missing
/// space, so editors are told instead. Words with `://` or `@` (addresses) are passed over.
pub fn missing_french_spaces(text: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut word_start = 0;
    for word in text.split_inclusive(char::is_whitespace) {
        let start = word_start;
        word_start += word.len();
        if word.contains("://") || word.contains('@') {
            continue;
        }
        let mut prev: Option<char> = None;
        for (offset, c) in word.char_indices() {
            if matches!(c, '?' | '!' | ';')
                && prev.is_some_and(|p| {
                    p.is_alphanumeric() || matches!(p, ')' | ']' | '»' | '”' | '’' | '"' | '\'')
                })
            {
                found.push(start + offset);
            }
            prev = Some(c);
        }
    }
    found
}

/// Whether the space at `i` is inside a French time: "17 h", "17 h 30".
fn is_hour_space(chars: &[char], i: usize) -> bool {
    let at = |j: usize| chars.get(j).copied();
    let is_h_token = |j: usize| at(j) == Some('h') && !at(j + 1).is_some_and(|c| c.is_alphabetic());
    // "17␣h": digit before, isolated "h" after.
    let before_h = i > 0 && at(i - 1).is_some_and(|c| c.is_ascii_digit()) && is_h_token(i + 1);
    // "h␣30": isolated "h" (after a digit and a space) before, digit after.
    let after_h = i >= 3
        && at(i - 1) == Some('h')
        && matches!(at(i - 2), Some(' ' | NBSP))
        && at(i - 3).is_some_and(|c| c.is_ascii_digit())
        && at(i + 1).is_some_and(|c| c.is_ascii_digit());
    before_h || after_h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_gets_the_right_no_break_space() {
        assert_eq!(french("Bienvenue !"), "Bienvenue\u{202f}!");
        assert_eq!(french("Pourquoi ?"), "Pourquoi\u{202f}?");
        assert_eq!(french("un ; deux"), "un\u{202f}; deux");
        assert_eq!(french("Durée : 90 minutes"), "Durée\u{a0}: 90 minutes");
    }

    #[test]
    fn guillemets_hold_their_words() {
        assert_eq!(french("« pairs »"), "«\u{a0}pairs\u{a0}»");
        assert_eq!(french("«pairs»"), "«\u{a0}pairs\u{a0}»");
        assert_eq!(french("“pairs”"), "«\u{a0}pairs\u{a0}»");
    }

    #[test]
    fn times_do_not_break() {
        assert_eq!(
            french("de 17 h à 18 h 30"),
            "de 17\u{a0}h à 18\u{a0}h\u{a0}30"
        );
        assert_eq!(french("2 heures"), "2 heures");
    }

    #[test]
    fn missing_spaces_are_found_and_addresses_passed_over() {
        assert_eq!(missing_french_spaces("Pourquoi?"), [8]);
        assert_eq!(missing_french_spaces("(HE); le jeudi"), [4]);
        assert_eq!(missing_french_spaces("« Oui »! Non! 17h;"), [9, 14, 19]);
        assert!(missing_french_spaces("Pourquoi ? Oui ! un ; deux").is_empty());
        assert!(missing_french_spaces("Pourquoi\u{202f}? Vraiment ?!").is_empty());
        assert!(
            missing_french_spaces("https://example.ca/?q=1;x mailto:a@b.ca?subject=x").is_empty()
        );
    }

    #[test]
    fn english_is_left_as_written() {
        assert_eq!(in_lang("Why ?", Lang::En), "Why ?");
        assert_eq!(in_lang("Pourquoi ?", Lang::Fr), "Pourquoi\u{202f}?");
    }

    #[test]
    fn urls_and_clock_times_are_left_alone() {
        assert_eq!(french("https://example.ca/?q=1"), "https://example.ca/?q=1");
        assert_eq!(french("17:00"), "17:00");
    }
}

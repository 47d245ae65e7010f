//! What `site check` says about the keys of `content/strings.toml`: a key the form handler needs
//! and lacks is an error (the handler would refuse to start), and a key nothing reads (no
//! template's `t.<key>`, no list in the code: offering views, discreet words, the forms' shared
//! words, the handler's words) is a warning, so the file holds only words that
//! show somewhere.

use crate::content::Library;
use model::strings::{self, HANDLER_KEYS};
use model::{Diagnostic, Diagnostics};
use std::collections::BTreeSet;

/// Reports missing handler keys and unused keys of `library.strings`.
pub fn check(library: &Library, problems: &mut Diagnostics) {
    if !library.forms.is_empty()
        && let Some(missing) = strings::missing_handler_keys(&library.strings)
    {
        problems.push(missing);
    }
    let used = used_keys(library);
    for key in library.strings.keys() {
        if !used.contains(key.as_str()) {
            problems.push(
                Diagnostic::warning(
                    strings::FILE,
                    format!("the string `{key}` is not used by any template or by the handler"),
                )
                .with_help(format!(
                    "remove the line `{key} = ...`, or show it with {{{{ t.{key} }}}} in a template"
                )),
            );
        }
    }
}

/// Every key something reads: the templates (`t.key`, `t_en.key`, `t_fr.key`) and the code's
/// lists (offering views, discreet words, the handler's words).
fn used_keys(library: &Library) -> BTreeSet<String> {
    let mut used: BTreeSet<String> = crate::view::REQUIRED_STRINGS
        .iter()
        .chain([&crate::view::COMMITMENT_CLOSED])
        .chain(model::discretion::DiscreetWords::KEYS.iter())
        .chain(model::forms::FormWords::KEYS.iter())
        .chain(HANDLER_KEYS.iter().map(|(key, _)| key))
        .chain(strings::WORKSPACE_SIGN_IN_KEYS)
        .chain(strings::WORKSPACE_INBOX_KEYS)
        .map(|key| key.to_string())
        .collect();
    // Required with discreet calendars by checks::check_discreet_words, whatever the templates.
    used.insert("calendar_privacy_discreet".into());
    let dir = library.root.join(render::TEMPLATES_DIR);
    for entry in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        if let Ok(text) = std::fs::read_to_string(entry.path()) {
            used.extend(template_keys(&text));
        }
    }
    used
}

/// The keys a template reads: `t.key`, `t_en.key`, `t_fr.key`.
fn template_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for prefix in ["t.", "t_en.", "t_fr."] {
        let mut rest = text;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().next_back();
            let after = &rest[at + prefix.len()..];
            let key: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `t.` inside a longer name (`offering_t.x`, `site.t.x`) is not the strings.
            let standalone =
                !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            if standalone && !key.is_empty() {
                keys.push(key);
            }
            rest = after;
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_keys_are_the_ones_read_from_t() {
        assert_eq!(
            template_keys("{{ t.skip_link }} {{ t_fr.home }} {{ site.t.x }} {{ at.y }}"),
            ["skip_link", "home"]
        );
    }
}

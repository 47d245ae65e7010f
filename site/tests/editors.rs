//! What `site check` tells editors beyond structural mistakes: a translation that fell behind
//! its source, and text that drifts away from plain language. Each case runs on a copy of the
//! valid fixture site, in both languages.

use jiff::Zoned;
use model::Diagnostic;
use model::diagnostic::Severity;
use site::build::{self, Options};
use std::path::{Path, PathBuf};

fn valid_site() -> tempfile::TempDir {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let target = dir.path().join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    dir
}

fn options() -> Options {
    let tz = model::datetime::time_zone("America/Toronto").unwrap();
    let now: Zoned =
        model::datetime::zoned_local("2025-06-01T12:00".parse().unwrap(), &tz).unwrap();
    Options {
        now,
        live_reload: false,
        base_url: None,
    }
}

/// The warnings of a site that has no errors.
fn warnings(site: &Path) -> Vec<Diagnostic> {
    match build::generate(site, &options()) {
        Ok(output) => output.warnings.0,
        Err(diagnostics) => panic!("the site has errors:\n{diagnostics}"),
    }
}

fn edit(site: &Path, file: &str, from: &str, to: &str) {
    let path = site.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn translated(site: &Path, file: &str) {
    site::translations::mark_translated(site, Path::new(file)).unwrap();
}

#[test]
fn the_valid_site_records_every_translation_and_has_no_warnings() {
    let site = valid_site();
    assert_eq!(warnings(site.path()), vec![]);
}

#[test]
fn a_changed_english_paragraph_warns_once_on_the_french_page_until_it_is_translated() {
    let site = valid_site();
    edit(
        site.path(),
        "content/en/activities/workshop.md",
        "Sessions are listed below.",
        "Sessions are listed below, with their times.",
    );
    let found = warnings(site.path());
    assert_eq!(found.len(), 1, "{found:?}");
    let warning = &found[0];
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(
        warning.file,
        PathBuf::from("content/fr/activites/atelier.md")
    );
    assert_eq!(warning.line, Some(7), "the `translates` line");
    assert_eq!(
        warning.message,
        "content/en/activities/workshop.md has changed since this translation was last reviewed: \
         the paragraph at line 13 changed or is new"
    );
    assert!(
        warning
            .help
            .as_deref()
            .unwrap()
            .contains("site translated content/fr/activites/atelier.md"),
        "{warning}"
    );
    translated(site.path(), "content/fr/activites/atelier.md");
    assert_eq!(warnings(site.path()), vec![]);
}

#[test]
fn rewrapping_a_paragraph_is_not_a_change() {
    let site = valid_site();
    edit(
        site.path(),
        "content/en/activities/workshop.md",
        "Sessions are listed below.",
        "Sessions are\nlisted   below.",
    );
    assert_eq!(warnings(site.path()), vec![]);
}

#[test]
fn a_page_written_first_in_french_warns_on_its_english_translation() {
    let site = valid_site();
    // The English page now translates the French one.
    edit(
        site.path(),
        "content/fr/activites/atelier.md",
        "translates = {",
        "# translates = {",
    );
    translated(site.path(), "content/en/activities/workshop.md");
    assert_eq!(warnings(site.path()), vec![]);
    edit(
        site.path(),
        "content/fr/activites/atelier.md",
        "Un atelier en deux parties.\n",
        "Un atelier en deux parties, en ligne.\n",
    );
    let found = warnings(site.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].file,
        PathBuf::from("content/en/activities/workshop.md")
    );
    assert!(
        found[0].message.starts_with(
            "content/fr/activites/atelier.md has changed since this translation was last \
             reviewed: the paragraph at line 10 changed or is new"
        ),
        "{}",
        found[0]
    );
    translated(site.path(), "content/en/activities/workshop.md");
    assert_eq!(warnings(site.path()), vec![]);
}

#[test]
fn two_pages_recording_each_other_warn_once_and_a_dot_slash_path_is_the_same_page() {
    let site = valid_site();
    translated(site.path(), "./content/en/activities/workshop.md");
    let found = warnings(site.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].file, PathBuf::from(EN));
    assert!(
        found[0].message.starts_with(
            "this page and content/fr/activites/atelier.md each record that they translate the other"
        ),
        "{}",
        found[0]
    );
}

#[test]
fn a_changed_value_in_an_offering_warns_at_its_line_in_either_language() {
    let site = valid_site();
    let file = "content/offerings/workshop.toml";
    let text = std::fs::read_to_string(site.path().join(file)).unwrap();
    let title_line = text.lines().position(|l| l.starts_with("title")).unwrap() + 1;
    edit(
        site.path(),
        file,
        "en = \"Workshop\"",
        "en = \"Art workshop\"",
    );
    let found = warnings(site.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].file, PathBuf::from(file));
    assert_eq!(found[0].line, Some(title_line));
    assert_eq!(
        found[0].message,
        "the English text of `title` has changed (or is new) since its French was last reviewed"
    );
    translated(site.path(), file);
    assert_eq!(warnings(site.path()), vec![]);
    // Recorded from French: a French change warns, an English one does not.
    edit(site.path(), file, "from = \"en\"", "from = \"fr\"");
    translated(site.path(), file);
    edit(
        site.path(),
        file,
        "en = \"Art workshop\"",
        "en = \"Workshop\"",
    );
    assert_eq!(warnings(site.path()), vec![]);
    edit(
        site.path(),
        file,
        "fr = \"Atelier\"",
        "fr = \"Atelier d'art\"",
    );
    let found = warnings(site.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].message,
        "the French text of `title` has changed (or is new) since its English was last reviewed"
    );
}

/// The warnings about one file, as `line: message`.
fn warnings_in(site: &Path, file: &str) -> Vec<String> {
    warnings(site)
        .into_iter()
        .filter(|w| w.file == Path::new(file))
        .map(|w| format!("{}: {}", w.line.unwrap_or(0), w.message))
        .collect()
}

/// A sentence of `n` words, ending in a period.
fn sentence(first: &str, n: usize) -> String {
    let mut words = vec![first.to_string()];
    words.extend((1..n).map(|i| format!("mot{i}")));
    format!("{}.", words.join(" "))
}

const EN: &str = "content/en/activities/workshop.md";
const FR: &str = "content/fr/activites/atelier.md";

#[test]
fn a_long_sentence_warns_at_its_line_past_25_words_in_english_and_30_in_french() {
    let site = valid_site();
    let long_en = format!("Short one. {}", sentence("Then", 40));
    edit(site.path(), EN, "Sessions are listed below.", &long_en);
    edit(
        site.path(),
        FR,
        "Les séances sont présentées ci-dessous.",
        &format!("Première phrase.\n{}", sentence("Ensuite", 40)),
    );
    // The French page follows the new English: only plain-language warnings remain.
    translated(site.path(), FR);
    assert_eq!(
        warnings_in(site.path(), EN),
        [
            "13: this sentence has 40 words (\"Then mot1 mot2 mot3 mot4 mot5 ...\"): plain \
          language keeps sentences to 25 words at most"
        ]
    );
    // The sentence starts on the paragraph's second line.
    assert_eq!(
        warnings_in(site.path(), FR),
        [
            "15: this sentence has 40 words (\"Ensuite mot1 mot2 mot3 mot4 mot5 ...\"): plain \
          language keeps sentences to 30 words at most"
        ]
    );
    // 26 to 30 words: too long in English only.
    let site = valid_site();
    edit(
        site.path(),
        EN,
        "Sessions are listed below.",
        &sentence("Then", 26),
    );
    edit(
        site.path(),
        FR,
        "Les séances sont présentées ci-dessous.",
        &sentence("Ensuite", 30),
    );
    translated(site.path(), FR);
    assert_eq!(warnings_in(site.path(), EN).len(), 1);
    assert_eq!(warnings_in(site.path(), FR), Vec::<String>::new());
}

#[test]
fn an_avoided_word_warns_with_its_suggestion_in_both_languages() {
    let site = valid_site();
    edit(
        site.path(),
        EN,
        "Sessions are listed below.",
        "Sessions are listed below.\n\nWe Utilize a video call in order to meet.",
    );
    edit(
        site.path(),
        FR,
        "Les séances sont présentées ci-dessous.",
        "Les séances sont présentées ci-dessous afin de vous aider.",
    );
    // The French page follows the new English: only plain-language warnings remain.
    translated(site.path(), FR);
    assert_eq!(
        warnings_in(site.path(), EN),
        [
            "15: plain language: write \"to\" rather than \"in order to\"",
            "15: plain language: write \"use\" rather than \"utilize\"",
        ]
    );
    assert_eq!(
        warnings_in(site.path(), FR),
        ["14: plain language: write \"pour\" rather than \"afin de\""]
    );
}

#[test]
fn a_paragraph_of_six_sentences_and_a_heading_without_text_warn_in_both_languages() {
    let site = valid_site();
    edit(
        site.path(),
        EN,
        "Sessions are listed below.",
        "One. Two. Three. Four. Five. Six.\n\n## Nothing under this\n\n## Times\n\nAt noon.",
    );
    edit(
        site.path(),
        FR,
        "Les séances sont présentées ci-dessous.",
        "Un. Deux. Trois. Quatre. Cinq. Six.\n\n## Rien dessous\n\n## Heures\n\nÀ midi.",
    );
    // The French page follows the new English: only plain-language warnings remain.
    translated(site.path(), FR);
    assert_eq!(
        warnings_in(site.path(), EN),
        [
            "13: this paragraph has 6 sentences: plain language keeps paragraphs to 5 at most",
            "15: this heading is not followed by any text",
        ]
    );
    assert_eq!(
        warnings_in(site.path(), FR),
        [
            "14: this paragraph has 6 sentences: plain language keeps paragraphs to 5 at most",
            "16: this heading is not followed by any text",
        ]
    );
}

#[test]
fn warnings_fail_check_only_with_deny_warnings_and_never_stop_a_build() {
    let site = valid_site();
    edit(
        site.path(),
        EN,
        "Sessions are listed below.",
        &sentence("Then", 40),
    );
    let check = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_site"))
            .arg("--root")
            .arg(site.path())
            .args(["check", "--now", "2025-06-01T12:00"])
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(check(&[]).status.success());
    let denied = check(&["--deny-warnings"]);
    assert!(!denied.status.success());
    let stderr = String::from_utf8(denied.stderr).unwrap();
    assert!(
        stderr
            .contains("content/en/activities/workshop.md:13: warning: this sentence has 40 words"),
        "{stderr}"
    );
    let report = check(&["--report"]);
    let stdout = String::from_utf8(report.stdout).unwrap();
    assert!(
        stdout.contains("content/fr/activites/atelier.md  ("),
        "{stdout}"
    );
    let out = site.path().join("dist");
    build::build(site.path(), &out, &options()).expect("warnings do not stop a build");
}

#[test]
fn an_offerings_values_get_the_same_advice_in_both_languages_at_their_line() {
    let site = valid_site();
    let file = "content/offerings/workshop.toml";
    edit(
        site.path(),
        file,
        "fr = \"Atelier\"",
        &format!(
            "fr = \"Atelier afin de créer. {}\"",
            sentence("Ensuite", 31)
        ),
    );
    edit(
        site.path(),
        file,
        "en = \"Workshop\"",
        &format!("en = \"{}\"", sentence("Then", 26)),
    );
    translated(site.path(), file);
    let found = warnings_in(site.path(), file);
    assert_eq!(
        found,
        [
            "2: the English text of `title`: this sentence has 26 words (\"Then mot1 mot2 mot3 \
             mot4 mot5 ...\"): plain language keeps sentences to 25 words at most",
            "2: the French text of `title`: plain language: write \"pour\" rather than \"afin de\"",
            "2: the French text of `title`: this sentence has 31 words (\"Ensuite mot1 mot2 mot3 \
             mot4 mot5 ...\"): plain language keeps sentences to 30 words at most",
        ]
    );
}

/// A copy of Passerelle's own site (it has forms, so the handler's strings are required).
fn repo_site() -> tempfile::TempDir {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo.join("site.toml"), dir.path().join("site.toml")).unwrap();
    for folder in ["content", "templates", "static"] {
        for entry in walkdir::WalkDir::new(repo.join(folder)) {
            let entry = entry.unwrap();
            let target = dir.path().join(entry.path().strip_prefix(&repo).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    dir
}

#[test]
fn a_string_nothing_reads_is_a_warning_and_a_string_the_handler_needs_is_required() {
    let site = repo_site();
    assert_eq!(warnings(site.path()), vec![]);
    edit(
        site.path(),
        "content/strings.toml",
        "skip_link = ",
        "old_words = { en = \"Old\", fr = \"Vieux\" }\nskip_link = ",
    );
    let found = warnings(site.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].to_string(),
        "content/strings.toml: warning: the string `old_words` is not used by any template or by \
         the handler\n  help: remove the line `old_words = ...`, or show it with {{ t.old_words }} \
         in a template"
    );

    let path = site.path().join("content/strings.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let without: String = text
        .lines()
        .filter(|line| {
            !line.starts_with("support_line = ") && !line.starts_with("notice_status = ")
        })
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(&path, without).unwrap();
    let errors = build::generate(site.path(), &options())
        .unwrap_err()
        .to_string();
    assert!(
        errors.contains(
            "content/strings.toml: error: the form handler's strings are missing: support_line, \
             notice_status"
        ),
        "{errors}"
    );
    assert!(
        errors.contains("help: add a line: support_line = "),
        "{errors}"
    );
}

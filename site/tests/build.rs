//! The generator against fixture sites: one valid bilingual site, and one folder per editor
//! mistake holding only the files that differ from the valid site and the exact report expected.

use jiff::Zoned;
use site::build::{self, Options};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn at(text: &str) -> Zoned {
    let tz = model::datetime::time_zone("America/Toronto").unwrap();
    model::datetime::zoned_local(text.parse().unwrap(), &tz).unwrap()
}

fn options(now: &str) -> Options {
    Options {
        now: at(now),
        live_reload: false,
        base_url: None,
    }
}

fn file<'a>(output: &'a build::Output, path: &str) -> &'a str {
    let bytes = output
        .files
        .iter()
        .find(|(p, _)| p == Path::new(path))
        .unwrap_or_else(|| panic!("{path} was not generated"))
        .1
        .as_slice();
    std::str::from_utf8(bytes).unwrap()
}

#[test]
fn the_valid_site_builds_every_page_in_both_languages() {
    let output = build::generate(&fixtures().join("valid"), &options("2025-06-01T12:00")).unwrap();
    let paths: Vec<String> = output
        .files
        .iter()
        .map(|(p, _)| p.display().to_string())
        .filter(|p| !p.starts_with("assets/"))
        .collect();
    insta::assert_debug_snapshot!(paths);
    assert!(output.warnings.is_empty(), "{}", output.warnings);
}

#[test]
fn pages_render_offering_facts_from_data() {
    let output = build::generate(&fixtures().join("valid"), &options("2025-06-01T12:00")).unwrap();
    insta::assert_snapshot!(
        "workshop_en",
        file(&output, "en/activities/workshop/index.html")
    );
    insta::assert_snapshot!(
        "workshop_fr",
        file(&output, "fr/activites/atelier/index.html")
    );
}

#[test]
fn offering_state_follows_now() {
    let before = build::generate(&fixtures().join("valid"), &options("2025-06-01T12:00")).unwrap();
    let after = build::generate(&fixtures().join("valid"), &options("2026-11-26T12:00")).unwrap();
    assert!(file(&before, "en/activities/index.html").contains("(Registration open)"));
    assert!(file(&after, "en/activities/index.html").contains("(Past)"));
    assert!(file(&after, "fr/activites/index.html").contains("(Terminé)"));
}

#[test]
fn french_pages_get_french_spacing() {
    let output = build::generate(&fixtures().join("valid"), &options("2025-06-01T12:00")).unwrap();
    let home = file(&output, "fr/index.html");
    assert!(home.contains("Bienvenue\u{202f}!"), "{home}");
    assert!(home.contains("</a>\u{a0}: «\u{a0}pairs\u{a0}»"), "{home}");
    let english = file(&output, "en/index.html");
    assert!(english.contains("“program”"), "{english}");
}

#[test]
fn every_page_links_its_translation_and_declares_alternates() {
    let output = build::generate(&fixtures().join("valid"), &options("2025-06-01T12:00")).unwrap();
    let page = file(&output, "fr/activites/atelier/index.html");
    assert!(
        page.contains(r#"<a lang="en" hreflang="en" href="/en/activities/workshop/">English</a>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"hreflang="x-default" href="https://example.ca/""#),
        "{page}"
    );
    let sitemap = file(&output, "sitemap.xml");
    assert!(sitemap.contains(
        r#"<xhtml:link rel="alternate" hreflang="fr-CA" href="https://example.ca/fr/activites/atelier/"/>"#
    ));
}

#[test]
fn calendar_files_are_in_utc_and_localized() {
    // With discretion off for calendars, the title names the activity.
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("valid"), dir.path());
    let settings = dir.path().join("site.toml");
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(
        &settings,
        format!("{text}\n[discretion]\ncalendar = false\n"),
    )
    .unwrap();
    let output = build::generate(dir.path(), &options("2025-06-01T12:00")).unwrap();
    let en = file(&output, "en/calendar/workshop-english-1.ics");
    let fr = file(&output, "fr/calendrier/workshop-english-1.ics");
    assert!(en.contains("DTSTART:20250710T210000Z\r\n"), "{en}");
    assert!(en.contains("SUMMARY:Workshop: Part one\r\n"), "{en}");
    // French puts a no-break space before the colon.
    assert!(
        fr.contains("SUMMARY:Atelier\u{a0}: Première partie\r\n"),
        "{fr}"
    );
}

#[test]
fn discreet_calendar_files_name_neither_the_program_nor_the_activity() {
    // On by default: a calendar is often seen by others.
    let output = build::generate(&fixtures().join("valid"), &options("2025-06-01T12:00")).unwrap();
    for (path, summary) in [
        (
            "en/calendar/workshop-english-1.ics",
            "SUMMARY:Appointment\r\n",
        ),
        (
            "fr/calendrier/workshop-english-1.ics",
            "SUMMARY:Rendez-vous\r\n",
        ),
    ] {
        let ics = file(&output, path);
        assert!(ics.contains(summary), "{ics}");
        assert!(ics.contains("DTSTART:20250710T210000Z\r\n"), "{ics}");
        for word in [
            "Test Program",
            "Programme d",
            "Test Centre",
            "Workshop",
            "Atelier",
            "workshop",
            "example.ca",
            "DESCRIPTION",
            "URL",
        ] {
            assert!(!ics.contains(word), "`{word}` in {ics}");
        }
    }
}

#[test]
fn assets_are_fingerprinted_and_referenced() {
    let output = build::generate(&fixtures().join("valid"), &options("2025-06-01T12:00")).unwrap();
    let css = output
        .files
        .iter()
        .map(|(p, _)| p.display().to_string())
        .find(|p| p.starts_with("assets/site.") && p.ends_with(".css"))
        .expect("a fingerprinted stylesheet");
    assert!(file(&output, "en/index.html").contains(&format!("href=\"/{css}\"")));
}

#[test]
fn a_build_writes_a_clean_folder() {
    let out = tempfile::tempdir().unwrap();
    let dist = out.path().join("dist");
    std::fs::create_dir_all(dist.join("stale")).unwrap();
    std::fs::write(dist.join("stale/old.html"), "old").unwrap();
    let report = build::build(
        &fixtures().join("valid"),
        &dist,
        &options("2025-06-01T12:00"),
    )
    .unwrap();
    assert!(!dist.join("stale").exists());
    assert!(dist.join("en/activities/workshop/index.html").is_file());
    assert!(
        report
            .to_string()
            .starts_with("Built 6 pages (3 en, 3 fr) and "),
        "{report}"
    );
}

/// Copies the valid site, lays `case`'s files over it, and removes those listed in `remove.txt`.
fn site_with_mistake(case: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("valid"), dir.path());
    copy_tree(&case.join("site"), dir.path());
    if let Ok(list) = std::fs::read_to_string(case.join("remove.txt")) {
        for line in list.lines().filter(|l| !l.trim().is_empty()) {
            std::fs::remove_file(dir.path().join(line.trim())).unwrap();
        }
    }
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    if !from.exists() {
        return;
    }
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn every_editor_mistake_is_reported_with_file_line_and_fix() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures().join("invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "expected a folder per mistake");
    let mut failures = Vec::new();
    for case in cases {
        let site = site_with_mistake(&case);
        let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap();
        let actual = match build::generate(site.path(), &options("2025-06-01T12:00")) {
            Ok(_) => "(the site built without errors)".to_string(),
            Err(diagnostics) => diagnostics.to_string(),
        };
        if actual.trim_end() != expected.trim_end() {
            failures.push(format!(
                "{}:\n--- expected\n{}\n--- actual\n{}",
                case.display(),
                expected.trim_end(),
                actual.trim_end()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn new_scaffolds_both_languages_and_check_reports_the_todos_until_replaced() {
    let site = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("valid"), site.path());
    let created = site::scaffold::create(
        site.path(),
        site::scaffold::Kind::Activity,
        "activities/book-club",
        None,
        "2026-11-26",
    )
    .unwrap();
    let names: Vec<String> = created
        .iter()
        .map(|p| p.strip_prefix(site.path()).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "content/en/activities/book-club.md",
            "content/fr/activites/book-club.md",
            "content/offerings/book-club.toml"
        ]
    );
    let report = build::generate(site.path(), &options("2025-06-01T12:00"))
        .unwrap_err()
        .to_string();
    for expected in [
        "content/en/activities/book-club.md:2: error: a TODO marker is still in the front matter",
        "content/en/activities/book-club.md:9: error: a TODO marker is still in the page",
        "content/fr/activites/book-club.md:2: error: a TODO marker is still in the front matter",
        "content/offerings/book-club.toml:2: error: a TODO marker is still in the offering",
    ] {
        assert!(report.contains(expected), "{report}");
    }
    // The French section lists the French page, and the two are each other's translation.
    assert!(!report.contains("no section lists"), "{report}");
    assert!(!report.contains("translation"), "{report}");
    // The French files record the English text they start from, so a later English change warns.
    let french = std::fs::read_to_string(&created[1]).unwrap();
    assert!(
        french.contains("translates = { from = \"en\", text = \""),
        "{french}"
    );
    let offering = std::fs::read_to_string(&created[2]).unwrap();
    assert!(
        offering.contains("[translation]\nfrom = \"en\""),
        "{offering}"
    );
    // Creating it again would overwrite the editor's work: refused.
    let again = site::scaffold::create(
        site.path(),
        site::scaffold::Kind::Activity,
        "activities/book-club",
        None,
        "2026-11-26",
    );
    assert!(again.unwrap_err().to_string().contains("already exists"));
}

#[test]
fn new_gives_the_french_page_its_own_slug_in_the_french_section() {
    let site = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("valid"), site.path());
    let created = site::scaffold::create(
        site.path(),
        site::scaffold::Kind::Page,
        "activities/book-club",
        Some("club-de-lecture"),
        "2026-11-26",
    )
    .unwrap();
    let french = site.path().join("content/fr/activites/club-de-lecture.md");
    assert_eq!(created[1], french);
    let text = std::fs::read_to_string(french).unwrap();
    assert!(
        text.contains("translation_key = \"activities/book-club\"\n"),
        "{text}"
    );
    // Only the page's own name: its folder comes from the English section.
    let nested = site::scaffold::create(
        site.path(),
        site::scaffold::Kind::Page,
        "activities/chess",
        Some("activites/echecs"),
        "2026-11-26",
    );
    assert!(nested.unwrap_err().to_string().contains("French slug"));
    // No English section to list the page: nothing is created, and the message says why.
    let no_section = site::scaffold::create(
        site.path(),
        site::scaffold::Kind::Page,
        "resources/self-care",
        None,
        "2026-11-26",
    )
    .unwrap_err()
    .to_string();
    assert!(
        no_section.contains("no English section content/en/resources/_index.md"),
        "{no_section}"
    );
    assert!(!site.path().join("content/fr/resources").exists());
}

#[test]
fn sitemap_and_robots_come_from_their_templates_with_addresses_escaped() {
    let site = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("valid"), site.path());
    let config = site.path().join("site.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("\"https://example.ca\"", "\"https://example.ca/a&b\""),
    )
    .unwrap();
    let output = build::generate(site.path(), &options("2025-06-01T12:00")).unwrap();
    let sitemap = file(&output, "sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://example.ca/a&amp;b/en/activities/</loc>"),
        "{sitemap}"
    );
    assert!(!sitemap.contains("a&b"), "{sitemap}");
    assert!(
        sitemap.contains("    <lastmod>2025-07-02</lastmod>\n"),
        "{sitemap}"
    );
    assert_eq!(
        file(&output, "robots.txt"),
        "User-agent: *\nAllow: /\nDisallow: /api/\n\nSitemap: https://example.ca/a&b/sitemap.xml\n"
    );
}

#[test]
fn a_deploy_builds_for_its_own_address_not_site_toml_placeholder() {
    let mut options = options("2025-06-01T12:00");
    options.base_url = Some("https://soutien.forces.example".to_string());
    let output = build::generate(&fixtures().join("valid"), &options).unwrap();
    let sitemap = file(&output, "sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://soutien.forces.example/en/</loc>"),
        "{sitemap}"
    );
    let home = file(&output, "en/index.html");
    assert!(
        home.contains("https://soutien.forces.example/fr/"),
        "the alternates use the deploy's address: {home}"
    );
    let placeholder = model::SiteConfig::load(&fixtures().join("valid/site.toml"))
        .unwrap()
        .base_url;
    for (path, bytes) in &output.files {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains(&placeholder),
            "{} still names {placeholder}",
            path.display()
        );
    }
}

#[test]
fn the_build_records_when_it_goes_stale() {
    // The fixture's workshop closes registration at the end of 2025-06-27 (Toronto).
    let output = build::generate(&fixtures().join("valid"), &options("2025-06-01T12:00")).unwrap();
    assert_eq!(
        file(&output, "_passerelle/next-change.txt"),
        "2025-06-28T04:00:00Z\n"
    );
    let later = build::generate(&fixtures().join("valid"), &options("2025-08-01T12:00")).unwrap();
    assert_eq!(file(&later, "_passerelle/next-change.txt"), "none\n");
}

#[test]
fn check_prints_github_annotations_on_the_file_and_line() {
    let site = site_with_mistake(&fixtures().join("invalid/accessibility"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_site"))
        .args(["--root"])
        .arg(site.path())
        .args(["check", "--now", "2025-06-01T12:00", "--format", "github"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert!(
        lines[1].starts_with(
            "::warning file=content/en/activities/workshop.md,line=11::this heading is not followed by any text"
        ),
        "warnings are annotations too: {stdout}"
    );
    assert!(
        lines[5].starts_with(
            "::warning file=content/fr/activites/atelier.md,line=7::content/en/activities/workshop.md has changed"
        ),
        "warnings are annotations too: {stdout}"
    );
    assert!(
        lines[0].starts_with(
            "::error file=content/en/activities/workshop.md,line=9::the image /assets/photo.png has no alternative text%0Ahelp: "
        ),
        "{stdout}"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("content/en/activities/workshop.md:9: error:"),
        "people still read the text report: {stderr}"
    );
}

#[test]
fn the_sites_pages_ask_for_the_referrer_policy_the_servers_send() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = build::generate(&root, &options("2026-11-30T12:00")).unwrap();
    let header = site::serve::SECURITY_HEADERS
        .iter()
        .find(|(name, _)| *name == "referrer-policy")
        .unwrap()
        .1;
    let mut pages = 0;
    for (path, bytes) in &output.files {
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = std::str::from_utf8(bytes).unwrap();
        // A page's meta overrides the header: it must say the same, or say nothing.
        for meta in html.split("<meta name=\"referrer\" content=\"").skip(1) {
            let policy = meta.split('"').next().unwrap();
            assert_eq!(policy, header, "{}", path.display());
        }
        pages += 1;
    }
    assert!(pages > 20, "{pages} pages");
}

#[test]
fn new_dates_the_page_in_the_sites_time_zone_not_the_machines() {
    let tz = model::datetime::time_zone("America/Toronto").unwrap();
    let site_today = jiff::Timestamp::now().to_zoned(tz).date();
    // Whatever the hour, one of these zones is on another date than Toronto.
    let machine_zone = ["Pacific/Kiritimati", "Etc/GMT+12"]
        .into_iter()
        .find(|zone| {
            let zone = model::datetime::time_zone(zone).unwrap();
            jiff::Timestamp::now().to_zoned(zone).date() != site_today
        })
        .unwrap();
    let site = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("valid"), site.path());
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_site"))
        .env("TZ", machine_zone)
        .arg("--root")
        .arg(site.path())
        .args(["new", "page", "activities/chess"])
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(site.path().join("content/en/activities/chess.md")).unwrap();
    assert!(
        text.contains(&format!("date_modified = {site_today}\n")),
        "{machine_zone}: {text}"
    );
}

/// The classes `text` names: `ps-...` words (a template's `class=""` or a stylesheet's rules).
fn ps_classes(text: &str) -> std::collections::BTreeSet<String> {
    let name = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices("ps-")
        .filter(|(at, _)| *at == 0 || !name(text[..*at].chars().next_back().unwrap()))
        .map(|(at, _)| text[at..].chars().take_while(|c| name(*c)).collect())
        .collect()
}

#[test]
fn workspace_rules_live_in_their_own_stylesheet_that_public_pages_never_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |path: &Path| std::fs::read_to_string(path).unwrap();
    let mut workspace_only = std::collections::BTreeSet::new();
    let mut elsewhere = std::collections::BTreeSet::new();
    for entry in walkdir::WalkDir::new(root.join("templates")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let classes = ps_classes(&read(entry.path()));
            if entry
                .path()
                .components()
                .any(|c| c.as_os_str() == "workspace")
            {
                workspace_only.extend(classes);
            } else {
                elsewhere.extend(classes);
            }
        }
    }
    workspace_only.retain(|class| !elsewhere.contains(class));
    let site_css = ps_classes(&read(&root.join("static/site.css")));
    let workspace_css = ps_classes(&read(&root.join("static/workspace.css")));
    for class in &workspace_only {
        assert!(!site_css.contains(class), ".{class} is styled in site.css");
    }
    assert!(workspace_css.contains("ps-workspace-nav") && workspace_css.contains("ps-table"));

    let output = build::generate(&root, &options("2026-11-30T12:00")).unwrap();
    let stylesheet = output
        .files
        .iter()
        .map(|(p, _)| p.display().to_string())
        .find(|p| p.starts_with("assets/workspace.") && p.ends_with(".css"))
        .expect("a fingerprinted workspace stylesheet");
    for (path, bytes) in &output.files {
        if path.extension().is_some_and(|e| e == "html") {
            let html = std::str::from_utf8(bytes).unwrap();
            assert!(!html.contains(&stylesheet), "{} loads it", path.display());
        }
    }
}

#[test]
fn robots_keep_crawlers_out_of_the_api_and_the_coordinators_workspace() {
    let robots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/robots.txt");
    let text = std::fs::read_to_string(robots).unwrap();
    let disallowed: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("Disallow: "))
        .collect();
    assert_eq!(disallowed, ["/api/", "/coordination/"], "{text}");
}

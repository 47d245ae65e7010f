//! `site new KIND SLUG`: the English and French files of a new page, with the front matter
//! filled in and TODO markers that `site check` reports until an editor replaces them.

use crate::content;
use model::Lang;
use std::path::{Path, PathBuf};

/// What kind of thing to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// An ordinary page.
    Page,
    /// A section: a page that lists the pages in its folder.
    Section,
    /// An activity: a page and its offering file (content/offerings/SLUG.toml).
    Activity,
    /// A support group: a page and its offering file.
    Group,
}

/// Creates the files and returns their paths. Refuses to overwrite anything.
///
/// `slug` is the English path under `content/en/`. The French page goes into the French
/// section that is the English parent's translation (`activities/` -> `activites/`), named
/// `fr_slug` or, without one, the English name; the pair shares `translation_key = slug`.
pub fn create(
    root: &Path,
    kind: Kind,
    slug: &str,
    fr_slug: Option<&str>,
    today: &str,
) -> anyhow::Result<Vec<PathBuf>> {
    let name = slug.rsplit('/').next().unwrap_or(slug);
    if !slug.split('/').all(model::offering::is_slug) {
        anyhow::bail!(
            "`{slug}` is not a valid slug: use lowercase letters, digits and hyphens, with / between folders"
        );
    }
    let fr_name = fr_slug.unwrap_or(name);
    if !model::offering::is_slug(fr_name) {
        anyhow::bail!(
            "`{fr_name}` is not a valid French slug: use lowercase letters, digits and hyphens \
             (only the page's own name: its folder is the French section's)"
        );
    }
    let parent = slug.rsplit_once('/').map_or("", |(parent, _)| parent);
    let fr_parent = french_section_folder(root, parent)?;
    let fr_slug = if fr_parent.is_empty() {
        fr_name.to_string()
    } else {
        format!("{fr_parent}/{fr_name}")
    };
    let mut files = Vec::new();
    for (lang, path) in [(Lang::En, slug), (Lang::Fr, fr_slug.as_str())] {
        let rel = match kind {
            Kind::Section => format!("content/{lang}/{path}/_index.md"),
            _ => format!("content/{lang}/{path}.md"),
        };
        let offering_line = match kind {
            Kind::Activity | Kind::Group => format!("offering = \"{name}\"\n"),
            _ => String::new(),
        };
        let text = format!(
            "+++\ntitle = \"TODO: the {lang} title\"\ndescription = \"TODO: one sentence for search results\"\n\
             translation_key = \"{slug}\"\ndate_modified = {today}\n{offering_line}+++\n\n\
             TODO: write the page in plain language. Start headings at ##.\n"
        );
        files.push((root.join(rel), text));
    }
    if matches!(kind, Kind::Activity | Kind::Group) {
        let kind_name = if kind == Kind::Activity {
            "activity"
        } else {
            "group"
        };
        files.push((
            root.join(format!("content/offerings/{name}.toml")),
            format!(
                "kind = \"{kind_name}\"\n\
                 title = {{ en = \"TODO\", fr = \"TODO\" }}\n\
                 summary = {{ en = \"TODO\", fr = \"TODO\" }}\n\
                 duration_minutes = 90\n\
                 group_size = 10\n\
                 hosts = {{ en = \"TODO\", fr = \"TODO\" }}\n\
                 # weight = 30   # where forms list it among the offerings: follow the pages' order\n\
                 # commitment = \"drop-in\"   # or \"closed\"\n\
                 # registration_deadline = 2026-01-15\n\
                 # [[cohorts]]\n\
                 # id = \"english\"\n\
                 # language = \"en\"\n\
                 # sessions = [{{ start = 2026-01-22T17:00:00, end = 2026-01-22T18:30:00 }}]\n"
            ),
        ));
    }
    for (path, _) in &files {
        if path.exists() {
            anyhow::bail!("{} already exists; nothing was created", path.display());
        }
    }
    for (path, text) in &files {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, text)?;
    }
    // The pair starts out in step: the French page (and the offering's French values) record
    // the English text, so `site check` warns when the English is written and the French not.
    for (path, _) in files.iter().skip(1) {
        crate::translations::mark_translated(root, path)?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// The folder under `content/fr/` of the French section that translates the English section
/// `content/en/<parent>/`: `activites` for `activities`, `""` for the home page.
fn french_section_folder(root: &Path, parent: &str) -> anyhow::Result<String> {
    if parent.is_empty() {
        return Ok(String::new());
    }
    let (library, _) = content::load(root).map_err(|d| anyhow::anyhow!("{d}"))?;
    let section_file = format!("content/en/{parent}/_index.md");
    let english = library
        .pages
        .iter()
        .find(|p| p.lang == Lang::En && p.is_section && p.url == format!("/en/{parent}/"))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "there is no English section {section_file} to list the page: create it first \
                 (`site new section {parent}`) or choose an existing section's folder"
            )
        })?;
    let french = library
        .pages
        .iter()
        .find(|p| p.lang == Lang::Fr && p.is_section && p.key == english.key)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "the English section {section_file} has no French section (none has \
                 translation_key = \"{}\"): fix that first, so the French page has a section \
                 to list it",
                english.key
            )
        })?;
    Ok(french
        .rel_path
        .trim_end_matches("_index.md")
        .trim_end_matches('/')
        .to_string())
}

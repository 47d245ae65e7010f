//! `site new KIND SLUG`: the English and French files of a new page, with the front matter
//! filled in and TODO markers that `site check` reports until an editor replaces them.

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
pub fn create(root: &Path, kind: Kind, slug: &str, today: &str) -> anyhow::Result<Vec<PathBuf>> {
    let name = slug.rsplit('/').next().unwrap_or(slug);
    if !slug.split('/').all(model::offering::is_slug) {
        anyhow::bail!(
            "`{slug}` is not a valid slug: use lowercase letters, digits and hyphens, with / between folders"
        );
    }
    let mut files = Vec::new();
    for lang in model::Lang::ALL {
        let rel = match kind {
            Kind::Section => format!("content/{lang}/{slug}/_index.md"),
            _ => format!("content/{lang}/{slug}.md"),
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
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

//! The pipeline: load -> check -> render -> write. `check` runs the same stages but writes
//! nothing, so an editor sees exactly the problems a build would hit.

mod assets;
mod pages;
mod site_files;

use self::assets::fingerprint_assets;
use self::pages::Renderer;
use crate::checks;
use crate::content::{self, Library};
use jiff::Zoned;
use model::{Diagnostic, Diagnostics, Lang};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How to build.
#[derive(Debug, Clone)]
pub struct Options {
    /// The moment offering states are computed for (build time unless `--now`).
    pub now: Zoned,
    /// Adds the live-reload script (only `serve` sets it).
    pub live_reload: bool,
    /// The public address to build for instead of site.toml's `base_url` (a deploy knows the
    /// real one; site.toml holds a placeholder): `https://host`, no trailing slash.
    pub base_url: Option<String>,
}

/// Every file of the site, in memory: path relative to the output folder, and its bytes.
#[derive(Debug, Default)]
pub struct Output {
    pub files: Vec<(PathBuf, Vec<u8>)>,
    pub pages_per_lang: BTreeMap<Lang, usize>,
    /// Problems that do not stop the build (warnings).
    pub warnings: Diagnostics,
}

/// The path where live reload's script is served by `site serve`.
pub const LIVE_RELOAD_SCRIPT: &str = "/_passerelle/livereload.js";

/// Loads, checks and renders the site at `root` into memory.
pub fn generate(root: &Path, options: &Options) -> Result<Output, Diagnostics> {
    let (mut library, mut diagnostics) = content::load(root)?;
    if let Some(base_url) = &options.base_url {
        library.config.base_url = base_url.clone();
    }
    let tera = match render::load(root) {
        Ok(tera) => Some(tera),
        Err(d) => {
            diagnostics.push(d);
            None
        }
    };
    let template_names = tera
        .as_ref()
        .map(render::template_names)
        .unwrap_or_default();
    diagnostics.extend(checks::check(&library, &template_names));
    diagnostics.sort();
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let tera = tera.expect("no template errors");

    let assets = fingerprint_assets(root).map_err(|d| Diagnostics(vec![d]))?;
    let renderer = Renderer::new(&library, &tera, options, &assets.urls);
    let mut output = Output {
        warnings: diagnostics,
        ..Output::default()
    };

    let rendered: Vec<Result<(PathBuf, Vec<u8>), Diagnostic>> = library
        .pages
        .par_iter()
        .map(|page| renderer.page(page))
        .collect();
    let mut errors = Diagnostics::default();
    for result in rendered {
        match result {
            Ok(file) => output.files.push(file),
            Err(d) => errors.push(d),
        }
    }
    for extra in [
        renderer.root_page(),
        renderer.not_found_pages(),
        renderer.sitemap(),
        renderer.robots(),
    ] {
        match extra {
            Ok(files) => output.files.extend(files),
            Err(d) => errors.push(d),
        }
    }
    if errors.has_errors() {
        errors.sort();
        return Err(errors);
    }
    for page in &library.pages {
        *output.pages_per_lang.entry(page.lang).or_default() += 1;
    }
    output.files.extend(assets.files);
    output.files.extend(renderer.calendars());
    output
        .files
        .push((render::FORM_PAGES.into(), renderer.forms_manifest()));
    output
        .files
        .push((NEXT_CHANGE_FILE.into(), next_change(&library, &options.now)));
    output.files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(output)
}

use model::schedule::NEXT_CHANGE_FILE;

/// The next moment a page of this build would read differently (an offering's state changes),
/// recorded as `model::schedule::record` writes it: the publishing pipeline rebuilds and
/// publishes at that moment, so a page never says "Registration open" after the deadline.
fn next_change(library: &Library, now: &Zoned) -> Vec<u8> {
    let next = model::schedule::next_change(&library.offerings, now);
    model::schedule::record(next.as_ref()).into_bytes()
}

/// Writes `output` into `out`, replacing whatever was there. The new site is written beside the
/// old one and swapped in, so a server reading `out` never sees a half-written site.
pub fn write(output: &Output, out: &Path) -> std::io::Result<()> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        std::fs::create_dir_all(parent)?;
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = out.with_file_name(format!(".{name}.new"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    // Most pages have a folder of their own: making folders in the parallel loop, beside the
    // writes, keeps both cores busy (create_dir_all tolerates a sibling racing to make a parent).
    output.files.par_iter().try_for_each(|(path, bytes)| {
        let target = staging.join(path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(target, bytes)
    })?;
    let old = out.with_file_name(format!(".{name}.old"));
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    if out.exists() {
        std::fs::rename(out, &old)?;
    }
    std::fs::rename(&staging, out)?;
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    Ok(())
}

/// Writes only the files of `output` that differ from `previous` (what the last call wrote),
/// and removes the files that are gone. `serve` uses it so an edit rewrites one page, not all.
pub fn write_changed(
    output: &Output,
    out: &Path,
    previous: &mut HashMap<PathBuf, Vec<u8>>,
) -> std::io::Result<usize> {
    let mut written = 0;
    let mut current = HashMap::with_capacity(output.files.len());
    for (path, bytes) in &output.files {
        if previous.get(path) != Some(bytes) || !out.join(path).exists() {
            let target = out.join(path);
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&target, bytes)?;
            written += 1;
        }
        current.insert(path.clone(), bytes.clone());
    }
    for path in previous.keys() {
        if !current.contains_key(path) {
            let _ = std::fs::remove_file(out.join(path));
        }
    }
    *previous = current;
    Ok(written)
}

/// What a build did, for the summary line.
pub struct Report {
    pub pages_per_lang: BTreeMap<Lang, usize>,
    pub files: usize,
    pub elapsed: Duration,
    pub warnings: Diagnostics,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pages: Vec<String> = self
            .pages_per_lang
            .iter()
            .map(|(lang, n)| format!("{n} {lang}"))
            .collect();
        write!(
            f,
            "Built {} pages ({}) and {} files in {} ms",
            self.pages_per_lang.values().sum::<usize>(),
            pages.join(", "),
            self.files,
            self.elapsed.as_millis()
        )
    }
}

/// Generates and writes the site: `site build`.
pub fn build(root: &Path, out: &Path, options: &Options) -> Result<Report, BuildError> {
    let started = Instant::now();
    let output = generate(root, options).map_err(BuildError::Content)?;
    write(&output, out).map_err(|err| BuildError::Write(out.to_path_buf(), err))?;
    Ok(Report {
        pages_per_lang: output.pages_per_lang,
        files: output.files.len(),
        elapsed: started.elapsed(),
        warnings: output.warnings,
    })
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{0}")]
    Content(Diagnostics),
    #[error("cannot write the site to {0}: {1}")]
    Write(PathBuf, std::io::Error),
}

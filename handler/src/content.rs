//! What the handler reads from the site: the settings, the interface strings, the form
//! definitions and offerings (the same files the generator reads), the templates (the same
//! environment, [`render::load`]), and the frames of the built pages that hold each form.
//!
//! The definitions and templates are reloaded when their files change, so `site serve` and the handler
//! agree while an editor works; a broken edit keeps the last good definitions (the generator
//! reports the mistake).

use crate::words::Words;
use anyhow::anyhow;
use jiff::tz::TimeZone;
use model::discretion::DiscreetWords;
use model::forms::FormDef;
use model::{Lang, Offering, SiteConfig};
use render::{FormPage, FormPages};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

/// One consistent snapshot of the site's settings, forms and offerings.
#[derive(Debug, Clone)]
pub struct Content {
    pub site: SiteConfig,
    /// The neutral words of discreet messages (`content/strings.toml`, `discreet_*`).
    pub discreet: DiscreetWords,
    pub tz: TimeZone,
    /// The interface strings (`content/strings.toml`): page templates see them as `t`, and
    /// the handler's own words are among them ([`Content::words`]).
    pub strings: model::strings::Strings,
    /// The site's templates (`templates/`), through the environment the generator uses.
    pub templates: tera::Tera,
    pub forms: Vec<FormDef>,
    pub offerings: Vec<Offering>,
}

impl Content {
    /// Loads `site.toml`, `content/strings.toml`, `templates/`, `content/forms/` and
    /// `content/offerings/` under `root`. Any problem is an error listing every diagnostic.
    pub fn load(root: &Path) -> anyhow::Result<Content> {
        let site = SiteConfig::load(&root.join("site.toml")).map_err(|d| anyhow!("{d}"))?;
        let tz = site.tz();
        let discreet = DiscreetWords::load(root).map_err(|d| anyhow!("{d}"))?;
        let strings = model::strings::load(root).map_err(|d| anyhow!("{d}"))?;
        if let Some(missing) = model::strings::missing_handler_keys(&strings) {
            return Err(anyhow!("{missing}"));
        }
        let templates = render::load(root).map_err(|d| anyhow!("{d}"))?;
        let (words, missing) = model::forms::FormWords::from_strings(&strings);
        if let Some(missing) = missing {
            return Err(anyhow!("{missing}"));
        }
        let (forms, mut problems) =
            model::forms::load_dir(&root.join("content/forms"), &Arc::new(words));
        let (offerings, found) = model::offering::load_dir(&root.join("content/offerings"), &tz);
        problems.extend(found);
        if problems.has_errors() {
            problems.sort();
            return Err(anyhow!("{problems}"));
        }
        Ok(Content {
            site,
            discreet,
            tz,
            strings,
            templates,
            forms,
            offerings,
        })
    }

    /// The handler's own words (`content/strings.toml`, site.toml's facts filled in).
    pub fn words(&self) -> Words<'_> {
        Words {
            strings: &self.strings,
            site: &self.site,
        }
    }

    /// The form with this id.
    pub fn form(&self, id: &str) -> Option<&FormDef> {
        self.forms.iter().find(|f| f.id == id)
    }
}

/// The modification times of the files [`Content`] is read from.
type Fingerprint = Vec<(PathBuf, Option<SystemTime>)>;

fn fingerprint(root: &Path) -> Fingerprint {
    let mut files = vec![root.join("site.toml"), root.join("content/strings.toml")];
    for dir in ["content/forms", "content/offerings"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            files.extend(entries.filter_map(Result::ok).map(|e| e.path()));
        }
    }
    // Partials sit in subfolders: a change to any of them is seen.
    let templates = walkdir_files(&root.join(render::TEMPLATES_DIR));
    files.extend(templates);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
            (path, modified)
        })
        .collect()
}

/// Every file under `dir`, at any depth (none when it cannot be read).
fn walkdir_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => folders.push(entry.path()),
                Ok(_) => files.push(entry.path()),
                Err(_) => {}
            }
        }
    }
    files
}

/// The current [`Content`], reloaded when its files change (when it came from a folder).
pub struct ContentSource {
    root: Option<PathBuf>,
    current: RwLock<(Fingerprint, Arc<Content>)>,
}

impl ContentSource {
    /// Loads the content under `root`, watching its files.
    pub fn load(root: &Path) -> anyhow::Result<ContentSource> {
        let print = fingerprint(root);
        let content = Content::load(root)?;
        Ok(ContentSource {
            root: Some(root.to_path_buf()),
            current: RwLock::new((print, Arc::new(content))),
        })
    }

    /// Fixed content (tests, or a deployment whose files never change).
    pub fn fixed(content: Content) -> ContentSource {
        ContentSource {
            root: None,
            current: RwLock::new((Vec::new(), Arc::new(content))),
        }
    }

    /// The content now: reloaded first if a file changed and the new files are valid.
    pub fn get(&self) -> Arc<Content> {
        let Some(root) = &self.root else {
            return self.snapshot();
        };
        let print = fingerprint(root);
        {
            let current = self.current.read().unwrap_or_else(|e| e.into_inner());
            if current.0 == print {
                return Arc::clone(&current.1);
            }
        }
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        match Content::load(root) {
            Ok(content) => {
                tracing::info!("form definitions reloaded");
                *current = (print, Arc::new(content));
            }
            Err(err) => {
                // Keep serving the last good definitions; remember the print so the warning
                // is given once per edit.
                tracing::warn!(
                    "the changed form definitions have problems; keeping the previous ones:\n{err}"
                );
                current.0 = print;
            }
        }
        Arc::clone(&current.1)
    }

    fn snapshot(&self) -> Arc<Content> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()).1)
    }
}

/// The built site's form pages (`_passerelle/forms.json`, [`FormPages`]): which page holds
/// each form, and the frame to render it again with.
#[derive(Debug, Clone)]
pub struct SitePages {
    dir: PathBuf,
}

impl SitePages {
    /// The built site in `dir` (`dist/`).
    pub fn new(dir: &Path) -> SitePages {
        SitePages {
            dir: dir.to_path_buf(),
        }
    }

    /// The page holding `form` in `lang`, read fresh so a rebuild is seen at once; `None` when
    /// the site is not built or holds no such form.
    pub fn page(&self, form: &str, lang: Lang) -> Option<FormPage> {
        let pages = FormPages::read(&self.dir)
            .map_err(|err| tracing::warn!("{err}"))
            .ok()?;
        pages.get(form, lang).cloned()
    }

    /// The built site's fingerprinted assets (`site.css` -> `/assets/site.1a2b3.css`), as the
    /// form pages' frames name them; none when the site is not built.
    pub fn assets(&self) -> std::collections::BTreeMap<String, String> {
        FormPages::read(&self.dir)
            .ok()
            .and_then(|pages| {
                let first = pages
                    .0
                    .values()
                    .flat_map(|by_lang| by_lang.values())
                    .next()?;
                Some(first.frame.site.assets.clone())
            })
            .unwrap_or_default()
    }

    /// The URL of the page holding `form` in `lang` (`/en/groups/apply/`).
    pub fn url(&self, form: &str, lang: Lang) -> Option<String> {
        self.page(form, lang).map(|page| page.url)
    }
}

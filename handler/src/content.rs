//! What the handler reads from the site: the settings, the form definitions and offerings
//! (the same files the generator reads), and the built pages that hold each form.
//!
//! The definitions are reloaded when their files change, so `site serve` and the handler
//! agree while an editor works; a broken edit keeps the last good definitions (the generator
//! reports the mistake).

use anyhow::{Context as _, anyhow};
use jiff::tz::TimeZone;
use model::discretion::DiscreetWords;
use model::forms::FormDef;
use model::{Lang, Offering, SiteConfig};
use std::collections::BTreeMap;
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
    pub forms: Vec<FormDef>,
    pub offerings: Vec<Offering>,
}

impl Content {
    /// Loads `site.toml`, `content/strings.toml` (the discreet words), `content/forms/` and
    /// `content/offerings/` under `root`. Any problem is an error listing every diagnostic.
    pub fn load(root: &Path) -> anyhow::Result<Content> {
        let site = SiteConfig::load(&root.join("site.toml")).map_err(|d| anyhow!("{d}"))?;
        let tz = site.tz();
        let discreet = DiscreetWords::load(root).map_err(|d| anyhow!("{d}"))?;
        let (forms, mut problems) = model::forms::load_dir(&root.join("content/forms"));
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
            forms,
            offerings,
        })
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
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
            (path, modified)
        })
        .collect()
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

/// The built site: which page holds each form (`_passerelle/forms.json`), and those pages.
#[derive(Debug, Clone)]
pub struct SitePages {
    dir: PathBuf,
}

/// Where the generator writes the form-to-page map, relative to the built site.
pub const MANIFEST: &str = "_passerelle/forms.json";

impl SitePages {
    /// The built site in `dir` (`dist/`).
    pub fn new(dir: &Path) -> SitePages {
        SitePages {
            dir: dir.to_path_buf(),
        }
    }

    /// The URL of the page holding `form` in `lang` (`/en/groups/apply/`), read fresh from the
    /// manifest so a rebuild is seen at once.
    pub fn url(&self, form: &str, lang: Lang) -> Option<String> {
        let text = std::fs::read_to_string(self.dir.join(MANIFEST)).ok()?;
        let manifest: BTreeMap<String, BTreeMap<String, String>> =
            serde_json::from_str(&text).ok()?;
        manifest.get(form)?.get(lang.code()).cloned()
    }

    /// The HTML of the page holding `form` in `lang`, if the site is built.
    pub fn html(&self, form: &str, lang: Lang) -> Option<String> {
        let url = self.url(form, lang)?;
        let path = self.file_for(&url)?;
        std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))
            .map_err(|err| tracing::warn!("{err:#}"))
            .ok()
    }

    /// `/en/x/` -> `<dir>/en/x/index.html`; `/en/x.html` -> `<dir>/en/x.html`. Refuses
    /// anything that could leave the folder.
    fn file_for(&self, url: &str) -> Option<PathBuf> {
        let path = url.split(['?', '#']).next()?.trim_start_matches('/');
        if path
            .split('/')
            .any(|part| part == ".." || part.starts_with('.'))
        {
            return None;
        }
        let mut file = self.dir.join(path);
        if path.is_empty() || path.ends_with('/') {
            file = file.join("index.html");
        }
        Some(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_urls_map_to_files_inside_the_site() {
        let pages = SitePages::new(Path::new("/dist"));
        assert_eq!(
            pages.file_for("/en/groups/apply/"),
            Some(PathBuf::from("/dist/en/groups/apply/index.html"))
        );
        assert_eq!(
            pages.file_for("/fr/x.html"),
            Some(PathBuf::from("/dist/fr/x.html"))
        );
        assert_eq!(pages.file_for("/en/../../etc/passwd"), None);
    }
}

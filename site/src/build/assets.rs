//! `static/` copied under `assets/` with a fingerprint in each name, so a changed file gets a
//! new address and browsers may cache every asset for good.

use model::Diagnostic;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Fingerprinted copies of `static/`: bytes under `assets/` and the name -> URL map.
pub(super) struct Assets {
    pub(super) files: Vec<(PathBuf, Vec<u8>)>,
    pub(super) urls: BTreeMap<String, String>,
}

pub(super) fn fingerprint_assets(root: &Path) -> Result<Assets, Diagnostic> {
    let dir = root.join("static");
    let mut assets = Assets {
        files: Vec::new(),
        urls: BTreeMap::new(),
    };
    if !dir.is_dir() {
        return Ok(assets);
    }
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let entry =
            entry.map_err(|err| Diagnostic::error("static", format!("cannot read: {err}")))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(&dir)
            .expect("inside")
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(entry.path()).map_err(|err| {
            Diagnostic::error(format!("static/{rel}"), format!("cannot read: {err}"))
        })?;
        let hash = Sha256::digest(&bytes);
        let short: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
        let hashed = match rel.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{short}.{ext}"),
            _ => format!("{rel}.{short}"),
        };
        assets.urls.insert(rel, format!("/assets/{hashed}"));
        assets
            .files
            .push((PathBuf::from("assets").join(hashed), bytes));
    }
    Ok(assets)
}

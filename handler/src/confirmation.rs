//! Signed confirmation links. The confirmation page's address says what happened (`ref`,
//! `status`, `lang`, `ack`); without a signature anyone could link a page of the real site
//! saying "you are registered" for a submission that never was. The handler signs what it
//! puts in the address with HMAC-SHA-256 (`sig=`), and the confirmation route shows only
//! addresses it signed (checked in constant time).
//!
//! The key: in AWS, a generated secret read once at start-up (`PASSERELLE_CONFIRMATION_SECRET_ID`,
//! infra/template.yaml `ConfirmationKeySecret`; the API does not start without it); on this
//! machine, `<data dir>/confirmation.key`, generated on first run, readable by this user only.

use anyhow::{Context as _, bail};
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;
use std::sync::Arc;

/// Shorter keys are refused.
const MIN_KEY_LEN: usize = 32;

/// The signature's length in bytes (128 bits, written as 32 hex digits).
const TAG_LEN: usize = 16;

/// The file holding the local key, under the data folder.
pub const KEY_FILE: &str = "confirmation.key";

/// What a confirmation address says; the signature covers all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims<'a> {
    pub form: &'a str,
    /// `None` for an anonymous form, whose address carries no reference.
    pub reference: Option<&'a str>,
    pub lang: &'a str,
    pub status: &'a str,
    pub acknowledged: bool,
}

impl Claims<'_> {
    /// One unambiguous byte string per claim set (fields cannot run into each other).
    fn message(&self) -> Vec<u8> {
        let ack = if self.acknowledged { "1" } else { "0" };
        [
            "passerelle-confirmation-v1",
            self.form,
            self.reference.unwrap_or(""),
            self.lang,
            self.status,
            ack,
        ]
        .join("\0")
        .into_bytes()
    }
}

/// The key confirmation links are signed with. Its value never appears in `Debug` output.
#[derive(Clone)]
pub struct ConfirmationKey(Arc<[u8]>);

impl ConfirmationKey {
    /// A key from its text (the secret's value, or the local file's): at least 32 characters.
    pub fn new(text: &str) -> anyhow::Result<ConfirmationKey> {
        let text = text.trim();
        if text.len() < MIN_KEY_LEN {
            bail!("the confirmation-link key is shorter than {MIN_KEY_LEN} characters");
        }
        Ok(ConfirmationKey(text.as_bytes().into()))
    }

    /// The local key in `data_dir` (`confirmation.key`), generated on first use.
    pub fn in_dir(data_dir: &Path) -> anyhow::Result<ConfirmationKey> {
        let path = data_dir.join(KEY_FILE);
        let shown = || path.display().to_string();
        if !path.exists() {
            crate::private_dir::create(data_dir)
                .with_context(|| format!("creating {}", data_dir.display()))?;
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            match write_private(&path, &format!("{text}\n")) {
                // Another process (site serve and handler serve on one folder) wrote it first.
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
                other => other
                    .with_context(|| format!("writing the confirmation-link key {}", shown()))?,
            }
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading the confirmation-link key {}", shown()))?;
        ConfirmationKey::new(&text).with_context(shown)
    }

    fn mac(&self, claims: &Claims<'_>) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes keys of any length");
        mac.update(&claims.message());
        mac
    }

    /// A key for another purpose, derived from this one (HMAC of `purpose`), so one secret
    /// serves several uses without one use's outputs telling anything about another's.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The signature of `claims`, as it goes in the address (`sig=`).
    pub fn sign(&self, claims: &Claims<'_>) -> String {
        let tag = self.mac(claims).finalize().into_bytes();
        tag[..TAG_LEN].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `signature` is this key's for `claims` (constant time).
    pub fn verify(&self, claims: &Claims<'_>, signature: &str) -> bool {
        let Some(tag) = from_hex(signature) else {
            return false;
        };
        tag.len() == TAG_LEN && self.mac(claims).verify_truncated_left(&tag).is_ok()
    }
}

impl std::fmt::Debug for ConfirmationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConfirmationKey(<hidden>)")
    }
}

/// Creates `path` readable by this user only from the start (mode 0600 on Unix), so the key is
/// never readable by others, even for a moment.
/// Writes `text` to a new file at `path`, readable by this user only, whole or not at all:
/// it is written under a unique temporary name in the same folder, then linked into place, so
/// another process never reads it half-written. `AlreadyExists` when `path` exists.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut suffix = [0u8; 8];
    rand::rng().fill_bytes(&mut suffix);
    let suffix: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    let temporary = dir.join(format!(".{KEY_FILE}.{suffix}"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())
                .and_then(|()| file.sync_all())
        })
        .and_then(|()| std::fs::hard_link(&temporary, path));
    let _ = std::fs::remove_file(&temporary);
    written
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// Reads the key from Secrets Manager (`PASSERELLE_CONFIRMATION_SECRET_ID`). Errors name the
/// secret, never its value.
pub async fn read_secret(
    client: &aws_sdk_secretsmanager::Client,
    id: &str,
) -> anyhow::Result<ConfirmationKey> {
    let text = crate::aws::secret_text(client, id, &format!("the confirmation-link key {id}"))
        .await
        .map_err(anyhow::Error::msg)?;
    ConfirmationKey::new(&text).map_err(|err| anyhow::anyhow!("{err} ({id})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLAIMS: Claims<'static> = Claims {
        form: "registration",
        reference: Some("K7MW4XTA"),
        lang: "en",
        status: "registered",
        acknowledged: true,
    };

    fn key() -> ConfirmationKey {
        ConfirmationKey::new("0123456789abcdef0123456789abcdef").unwrap()
    }

    /// `site serve` and `handler serve` started together on one folder both create the key:
    /// neither may read the other's file half-written.
    #[test]
    fn processes_starting_together_read_one_whole_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let keys: Vec<String> = std::thread::scope(|scope| {
                let starts: Vec<_> = (0..8)
                    .map(|_| scope.spawn(|| ConfirmationKey::in_dir(dir.path())))
                    .collect();
                starts
                    .into_iter()
                    .map(|start| match start.join().unwrap() {
                        Ok(key) => key.sign(&Claims {
                            form: "intake",
                            reference: None,
                            lang: "en",
                            status: "received",
                            acknowledged: false,
                        }),
                        Err(err) => format!("{err:#}"),
                    })
                    .collect()
            });
            assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");
            assert!(!keys[0].contains("key"), "{keys:?}");
        }
    }

    #[test]
    fn a_signature_holds_only_for_the_claims_and_key_it_was_made_for() {
        let signature = key().sign(&CLAIMS);
        assert_eq!(signature.len(), 32);
        assert!(key().verify(&CLAIMS, &signature));
        for forged in [
            Claims {
                form: "intake",
                ..CLAIMS
            },
            Claims {
                reference: Some("K7MW4XTB"),
                ..CLAIMS
            },
            Claims {
                reference: None,
                ..CLAIMS
            },
            Claims {
                lang: "fr",
                ..CLAIMS
            },
            Claims {
                status: "waitlisted",
                ..CLAIMS
            },
            Claims {
                acknowledged: false,
                ..CLAIMS
            },
        ] {
            assert!(!key().verify(&forged, &signature), "{forged:?}");
        }
        let other = ConfirmationKey::new("fedcba9876543210fedcba9876543210").unwrap();
        assert!(!other.verify(&CLAIMS, &signature));
        for bad in ["", "zz", &signature[..30], &format!("{signature}00"), "é"] {
            assert!(!key().verify(&CLAIMS, bad), "{bad}");
        }
    }

    #[test]
    fn the_local_key_is_generated_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let first = ConfirmationKey::in_dir(&data).unwrap();
        let second = ConfirmationKey::in_dir(&data).unwrap();
        assert!(second.verify(&CLAIMS, &first.sign(&CLAIMS)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(data.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        assert!(
            !format!("{first:?}")
                .contains(&std::fs::read_to_string(data.join(KEY_FILE)).unwrap()[..8])
        );
        std::fs::write(data.join(KEY_FILE), "short").unwrap();
        let err = ConfirmationKey::in_dir(&data).unwrap_err();
        assert!(format!("{err:#}").contains(KEY_FILE), "{err:#}");
    }
}

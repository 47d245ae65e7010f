//! `site.toml`: the few settings that are not page content.

use crate::datetime::ZoneLabel;
use crate::diagnostic::Diagnostic;
use crate::discretion::Discretion;
use crate::front_matter;
use crate::lang::Localized;
use jiff::tz::TimeZone;
use serde::Deserialize;
use std::path::Path;

/// The site's settings, read once at the start of every command.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The public origin, without a trailing slash: `https://peer-support.example.ca`.
    pub base_url: String,
    /// The IANA zone every session time is written in: `America/Toronto`, checked when the
    /// file is read, so nothing can fall back to UTC.
    pub time_zone: SiteTimeZone,
    /// "generic" (ET / HE) or "specific" (EDT or EST / HAE or HNE).
    #[serde(default)]
    pub zone_label: ZoneLabel,
    /// Where "Exit this page" goes: an ordinary, harmless page.
    pub quick_exit_url: String,
    pub program: Program,
    /// Where neutral words replace the program's name (`[discretion]`; both on by default).
    #[serde(default)]
    pub discretion: Discretion,
}

/// Who runs the program and how to reach them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// The program's name, in both languages (site.toml is the only place it is written).
    pub name: Localized,
    /// The organization that runs it, in full.
    pub org_name: Localized,
    /// The organization's short name (its acronym in each language).
    pub org_short_name: Localized,
    /// The 24/7 line as people dial it (digits and hyphens).
    pub phone: String,
    /// The program's email address (the acknowledgements' Reply-To).
    pub email: String,
}

/// `time_zone`: a zone of the bundled tz database, found when `site.toml` is read.
#[derive(Debug, Clone)]
pub struct SiteTimeZone(TimeZone);

impl<'de> Deserialize<'de> for SiteTimeZone {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        crate::datetime::time_zone(&name)
            .map(SiteTimeZone)
            .map_err(|err| {
                serde::de::Error::custom(format!(
                    "`time_zone`: {err}; write an IANA name such as \"America/Toronto\""
                ))
            })
    }
}

impl SiteConfig {
    /// Reads and checks `site.toml` at `path`.
    pub fn load(path: &Path) -> Result<SiteConfig, Diagnostic> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            Diagnostic::error(path, format!("cannot read the site settings: {err}"))
                .with_help("run the command from the site's folder, or pass --root DIR")
        })?;
        let config: SiteConfig = front_matter::parse(path, &text, 1)?;
        if config.base_url.ends_with('/') {
            return Err(Diagnostic::error(path, "`base_url` must not end with /")
                .with_help("write base_url = \"https://example.ca\""));
        }
        Ok(config)
    }

    /// The program's time zone.
    pub fn tz(&self) -> TimeZone {
        self.time_zone.0.clone()
    }

    /// The phone number as a `tel:` URL (`tel:+1` and its digits).
    pub fn phone_href(&self) -> String {
        let digits: String = self
            .program
            .phone
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        format!("tel:+{digits}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"base_url = "https://x.ca"
time_zone = "America/Toronto"
quick_exit_url = "https://weather.gc.ca/"
[program]
name = { en = "Peer Support Program", fr = "Programme de soutien par les pairs" }
org_name = { en = "SMSRC", fr = "CSRIS" }
org_short_name = { en = "SMSRC", fr = "CSRIS" }
phone = "1-844-750-1648"
email = "a@b.ca"
"#;

    #[test]
    fn an_unknown_time_zone_stops_the_load_naming_the_setting() {
        // Parsed once, at the edge: no caller can fall back to UTC on a misspelt zone.
        let text = VALID.replace("America/Toronto", "America/Torronto");
        let err = toml::from_str::<SiteConfig>(&text).unwrap_err().to_string();
        assert!(
            err.contains("time_zone") && err.contains("America/Torronto"),
            "{err}"
        );
        let dir = std::env::temp_dir().join(format!("passerelle-tz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("site.toml");
        std::fs::write(&path, &text).unwrap();
        let diagnostic = SiteConfig::load(&path).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            diagnostic.contains("site.toml:2") && diagnostic.contains("`time_zone`"),
            "{diagnostic}"
        );
        let config: SiteConfig = toml::from_str(VALID).unwrap();
        assert_eq!(config.tz().iana_name(), Some("America/Toronto"));
    }

    #[test]
    fn phone_href_keeps_only_digits() {
        let config: SiteConfig = toml::from_str(
            r#"base_url = "https://x.ca"
time_zone = "America/Toronto"
quick_exit_url = "https://weather.gc.ca/"
[program]
name = { en = "Peer Support Program", fr = "Programme de soutien par les pairs" }
org_name = { en = "SMSRC", fr = "CSRIS" }
org_short_name = { en = "SMSRC", fr = "CSRIS" }
phone = "1-844-750-1648"
email = "a@b.ca"
"#,
        )
        .unwrap();
        assert_eq!(config.phone_href(), "tel:+18447501648");
    }
}

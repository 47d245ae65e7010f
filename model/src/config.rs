//! `site.toml`: the few settings that are not page content.

use crate::datetime::ZoneLabel;
use crate::diagnostic::Diagnostic;
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
    /// The IANA zone every session time is written in: `America/Toronto`.
    pub time_zone: String,
    /// "generic" (ET / HE) or "specific" (EDT or EST / HAE or HNE).
    #[serde(default)]
    pub zone_label: ZoneLabel,
    /// Where "Exit this page" goes: an ordinary, harmless page.
    pub quick_exit_url: String,
    pub program: Program,
}

/// Who runs the program and how to reach them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// "Peer Support Program".
    pub name: Localized,
    /// "Sexual Misconduct Support and Resource Centre".
    pub org_name: Localized,
    /// "SMSRC" / "CSRIS".
    pub org_short_name: Localized,
    /// The 24/7 line as people dial it: `1-844-750-1648`.
    pub phone: String,
    pub email: String,
}

impl SiteConfig {
    /// Reads and checks `site.toml` at `path`.
    pub fn load(path: &Path) -> Result<SiteConfig, Diagnostic> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            Diagnostic::error(path, format!("cannot read the site settings: {err}"))
                .with_help("run the command from the site's folder, or pass --root DIR")
        })?;
        let config: SiteConfig = front_matter::parse(path, &text, 1)?;
        config
            .tz()
            .map_err(|message| Diagnostic::error(path, message))?;
        if config.base_url.ends_with('/') {
            return Err(Diagnostic::error(path, "`base_url` must not end with /")
                .with_help("write base_url = \"https://example.ca\""));
        }
        Ok(config)
    }

    /// The program's time zone.
    pub fn tz(&self) -> Result<TimeZone, String> {
        crate::datetime::time_zone(&self.time_zone)
    }

    /// The phone number as a `tel:` URL: `tel:+18447501648`.
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

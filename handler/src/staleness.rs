//! Whether the published site has gone stale. An offering's state ("Registration open") is
//! computed when the site is built, and the build records the next moment a page would read
//! differently (`_passerelle/next-change.txt`, site `model::schedule`). The publishing workflow
//! rebuilds then; if it does not (GitHub's schedule runs late, or stops after 60 days without
//! activity), the notifier's 5-minute sweep says so as [`STALE_EVENT`], and an alarm fires
//! (infra/template.yaml `SiteStaleAlarm`). The Lambda zip carries the file of the build it was
//! packaged with, which is the build that was published.

use jiff::Timestamp;
use model::schedule::{NEXT_CHANGE_FILE, read_record};
use std::path::Path;

/// The log line of a sweep that finds the site stale: infra/template.yaml's metric filter
/// counts it.
pub const STALE_EVENT: &str = "site_stale";

/// Logs [`STALE_EVENT`] when the built site in `site_dir` went stale at or before `now`, and
/// returns that moment. A site without the file (built before it existed) is not reported.
pub fn report(site_dir: &Path, now: Timestamp) -> Option<Timestamp> {
    let text = std::fs::read_to_string(site_dir.join(NEXT_CHANGE_FILE)).ok()?;
    let at = read_record(&text).filter(|at| *at <= now)?;
    tracing::warn!(stale_since = %at, "{STALE_EVENT}");
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(text: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("_passerelle")).unwrap();
        std::fs::write(dir.path().join(NEXT_CHANGE_FILE), text).unwrap();
        dir
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_site_past_its_next_change_is_stale_from_that_moment() {
        let dir = site("2025-06-28T04:00:00Z\n");
        assert_eq!(report(dir.path(), at("2025-06-28T03:59:59Z")), None);
        assert_eq!(
            report(dir.path(), at("2025-06-28T04:00:00Z")),
            Some(at("2025-06-28T04:00:00Z"))
        );
    }

    #[test]
    fn nothing_to_change_no_file_or_an_unreadable_one_is_not_stale() {
        let now = at("2030-01-01T00:00:00Z");
        assert_eq!(report(site("none\n").path(), now), None);
        assert_eq!(report(site("tomorrow\n").path(), now), None);
        assert_eq!(report(tempfile::tempdir().unwrap().path(), now), None);
    }
}

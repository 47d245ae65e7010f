//! The interface strings of `content/strings.toml`: one home, editable by editors, for the words
//! around the content (templates read them as `t.<key>`) and the form handler's own words (its
//! refusal pages and the frame of its emails, [`HANDLER_KEYS`]). The program's facts come from
//! site.toml through placeholders ([`fill`]), so no string repeats the program's name or line.

use crate::{Diagnostic, Lang, Localized, SiteConfig};
use std::collections::BTreeMap;
use std::path::Path;

/// `key = { en = "...", fr = "..." }`, by key.
pub type Strings = BTreeMap<String, Localized>;

/// Where the strings live, relative to a site's root.
pub const FILE: &str = "content/strings.toml";

/// Reads `content/strings.toml` under `root`.
pub fn load(root: &Path) -> Result<Strings, Diagnostic> {
    let path = root.join(FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|err| Diagnostic::error(FILE, format!("cannot read the UI strings: {err}")))?;
    crate::front_matter::parse(&path, &text, 1)
}

/// The keys the workspace's sign-in and coordinators pages read in code (page titles and
/// messages: handler/src/routes/workspace/), besides those their templates name.
pub const WORKSPACE_SIGN_IN_KEYS: &[&str] = &[
    "workspace_forbidden_title",
    "workspace_forbidden_text",
    "workspace_back_to_workspace",
    "workspace_sign_in_title",
    "workspace_enrol_title",
    "workspace_coordinators_title",
    "workspace_remove_title",
    "workspace_too_many_title",
    "workspace_too_many_text",
    "workspace_invitation_invalid_title",
    "workspace_invitation_invalid_text",
    "workspace_invitation_subject_both",
    "workspace_enrol_too_many_text",
    "workspace_sign_in_first",
    "workspace_invitation_text",
    "workspace_go_to_sign_in",
    "workspace_email_missing",
    "workspace_sign_in_failed",
    "workspace_signed_out",
    "workspace_invited_notice",
    "workspace_removed_notice",
];

/// The keys the workspace's inbox, submission, registrations, export and activity pages read in
/// code (titles, sentences with placeholders: handler/src/routes/workspace/), besides those
/// their templates name.
pub const WORKSPACE_INBOX_KEYS: &[&str] = &[
    "workspace_activity_caption",
    "workspace_activity_deleted",
    "workspace_activity_enrolled",
    "workspace_activity_exported",
    "workspace_activity_exported_one",
    "workspace_activity_invited",
    "workspace_activity_progress",
    "workspace_activity_removed",
    "workspace_activity_signed_in",
    "workspace_activity_signed_out",
    "workspace_activity_title",
    "workspace_activity_viewed",
    "workspace_back_to_inbox",
    "workspace_cohort_heading",
    "workspace_count",
    "workspace_count_done",
    "workspace_count_in_progress",
    "workspace_count_new",
    "workspace_delete_title",
    "workspace_deleted_notice",
    "workspace_deleted_on",
    "workspace_error_summary_title",
    "workspace_export_form_missing",
    "workspace_export_offering_invalid",
    "workspace_export_title",
    "workspace_filter_form_unknown",
    "workspace_filter_progress_unknown",
    "workspace_flag_text",
    "workspace_inbox_caption",
    "workspace_inbox_empty",
    "workspace_inbox_title",
    "workspace_not_found_text",
    "workspace_not_found_title",
    "workspace_place",
    "workspace_places_left",
    "workspace_progress_done",
    "workspace_progress_in_progress",
    "workspace_progress_missing",
    "workspace_progress_new",
    "workspace_progress_saved",
    "workspace_registered_caption",
    "workspace_registrations_title",
    "workspace_submission_heading",
    "workspace_submission_title",
    "workspace_unavailable_text",
    "workspace_unavailable_title",
    "workspace_waiting_caption",
    "workspace_bad_address_title",
    "workspace_bad_address_text",
];

/// The keys the form handler reads, with what each is for (`site check` reports a missing one;
/// the handler refuses to start without them).
pub const HANDLER_KEYS: [(&str, &str); 80] = [
    (
        "support_line",
        "the support line on the confirmation page and in acknowledgements ({phone})",
    ),
    (
        "acknowledgement_not_you",
        "the acknowledgement's note for someone who received it by mistake",
    ),
    (
        "acknowledgement_reply",
        "how to reach the program, in the acknowledgement ({email})",
    ),
    (
        "bad_request_title",
        "the page when a form cannot be processed: title",
    ),
    (
        "bad_request_text",
        "the page when a form cannot be processed: text",
    ),
    (
        "forbidden_title",
        "the page when a form was sent from another site: title",
    ),
    (
        "forbidden_text",
        "the page when a form was sent from another site: text",
    ),
    (
        "too_large_title",
        "the page when the answers are too long: title",
    ),
    (
        "too_large_text",
        "the page when the answers are too long: text",
    ),
    (
        "unavailable_title",
        "the page when the service fails: title",
    ),
    ("unavailable_text", "the page when the service fails: text"),
    (
        "not_received_title",
        "the page when nothing could be saved: title",
    ),
    (
        "not_received_text",
        "the page when nothing could be saved: text ({phone})",
    ),
    (
        "bad_link_title",
        "the page for a confirmation link the site did not issue: title",
    ),
    (
        "bad_link_text",
        "the page for a confirmation link the site did not issue: text",
    ),
    (
        "form_not_found_title",
        "the page for an unknown form or link: title",
    ),
    (
        "form_not_found_text",
        "the page for an unknown form or link: text",
    ),
    (
        "status_received",
        "a submission's status in coordinators' notices: received",
    ),
    (
        "status_registered",
        "a submission's status in coordinators' notices: registered",
    ),
    (
        "status_waitlisted",
        "a submission's status in coordinators' notices: waiting list",
    ),
    (
        "status_interest",
        "a submission's status in coordinators' notices: interest",
    ),
    (
        "notice_heading",
        "the coordinators' notice heading ({form})",
    ),
    (
        "notice_reference",
        "the notice's reference line ({reference})",
    ),
    ("notice_received", "the notice's received line ({when})"),
    ("notice_status", "the notice's status line ({status})"),
    (
        "notice_personal",
        "the closing note of a notice with personal information",
    ),
    (
        "notice_anonymous",
        "the closing note of an anonymous form's notice ({form})",
    ),
    (
        "notice_cohort",
        "the notice's offering and cohort line, without the answers ({cohort})",
    ),
    (
        "notice_link",
        "the notice's link to the submission ({link})",
    ),
    (
        "notice_no_answers",
        "the closing note of a notice without the answers",
    ),
    (
        "notice_anonymous_no_answers",
        "the closing note of an anonymous form's notice without the answers",
    ),
    (
        "error_prefix",
        "before the page title when a form has errors",
    ),
    (
        "status_withdrawn",
        "a registration's status in coordinators' notices and the export: withdrawn",
    ),
    (
        "status_not_attending",
        "a registration's status in coordinators' notices and the export: not attending",
    ),
    (
        "withdraw_confirm_title",
        "the withdrawal page, registered: title",
    ),
    (
        "withdraw_confirm_waiting_title",
        "the withdrawal page, on the waiting list: title",
    ),
    (
        "withdraw_confirm_text",
        "the withdrawal page, registered: what will be cancelled",
    ),
    (
        "withdraw_confirm_waiting_text",
        "the withdrawal page, on the waiting list: what will be cancelled",
    ),
    (
        "withdraw_group_label",
        "the withdrawal page: the group's label",
    ),
    (
        "withdraw_place_goes_on",
        "the withdrawal page, registered: the place goes to the next person",
    ),
    (
        "withdraw_waiting_goes_on",
        "the withdrawal page, on the waiting list: the place in line is lost",
    ),
    (
        "withdraw_confirm_button",
        "the withdrawal page, registered: the button",
    ),
    (
        "withdraw_confirm_waiting_button",
        "the withdrawal page, on the waiting list: the button",
    ),
    (
        "withdraw_keep",
        "the withdrawal page: the link that changes nothing",
    ),
    (
        "withdraw_done_title",
        "the withdrawal done page, registered: title",
    ),
    (
        "withdraw_done_waiting_title",
        "the withdrawal done page, on the waiting list: title",
    ),
    ("withdraw_done_text", "the withdrawal done page: text"),
    (
        "withdraw_used_title",
        "the page of a withdrawal link already used: title",
    ),
    (
        "withdraw_used_text",
        "the page of a withdrawal link already used: text ({email} {phone})",
    ),
    (
        "withdraw_expired_title",
        "the page of a withdrawal link past the first session: title",
    ),
    (
        "withdraw_expired_text",
        "the page of a withdrawal link past the first session: text ({email} {phone})",
    ),
    (
        "withdraw_invalid_title",
        "the page of an unknown or damaged withdrawal link: title",
    ),
    (
        "withdraw_invalid_text",
        "the page of an unknown or damaged withdrawal link: text ({email} {phone})",
    ),
    (
        "withdraw_email_line",
        "the acknowledgement of a registration: before the withdrawal link",
    ),
    (
        "withdraw_email_waiting_line",
        "the acknowledgement of a waiting-list place: before the withdrawal link",
    ),
    (
        "promotion_email_title",
        "the email to a person who got a place from the waiting list: title",
    ),
    (
        "promotion_email_text",
        "the email to a person who got a place from the waiting list: text",
    ),
    (
        "promotion_call_heading",
        "the coordinators' notice to call a person who got a place: heading",
    ),
    (
        "promotion_call_text",
        "the coordinators' notice to call a person who got a place: text",
    ),
    (
        "workspace_withdrawn_caption",
        "the roster's caption of those who withdrew or are not attending ({cohort} {count})",
    ),
    (
        "workspace_place_changed",
        "the roster's notice after an action ({reference} {status})",
    ),
    (
        "workspace_place_changed_promoted",
        "the roster's notice when the freed place went to someone waiting ({reference} {status} {promoted})",
    ),
    (
        "workspace_place_unchanged",
        "the roster's notice when an action did not apply ({reference} {status})",
    ),
    (
        "workspace_activity_withdrew",
        "the activity log: a coordinator withdrew a registration ({reference})",
    ),
    (
        "workspace_activity_withdrew_promoted",
        "the activity log: a withdrawal whose place went to someone waiting ({reference} {promoted})",
    ),
    (
        "workspace_activity_not_attending",
        "the activity log: marked not attending ({reference})",
    ),
    (
        "workspace_activity_not_attending_promoted",
        "the activity log: marked not attending, the place went to someone waiting ({reference} {promoted})",
    ),
    (
        "workspace_activity_gave_place",
        "the activity log: gave a person waiting a place by hand ({reference})",
    ),
    (
        "promotion_email_subject",
        "the email to a person who got a place from the waiting list: subject",
    ),
    (
        "withdrawal_email_subject",
        "the confirmation to a person whose place was cancelled: subject",
    ),
    (
        "withdrawal_email_title",
        "the confirmation to a person whose place was cancelled: title",
    ),
    (
        "withdrawal_email_text",
        "the confirmation to a person whose place was cancelled: text",
    ),
    (
        "withdrawal_notice_heading",
        "the coordinators' notice of a withdrawal: heading and subject",
    ),
    (
        "withdrawal_notice_text",
        "the coordinators' notice of a withdrawal: what happened",
    ),
    (
        "place_confirm_withdraw_title",
        "the roster's question before withdrawing a person: title",
    ),
    (
        "place_confirm_withdraw_text",
        "the roster's question before withdrawing a person: what will happen",
    ),
    (
        "place_confirm_not_attending_title",
        "the roster's question before marking a person not attending: title",
    ),
    (
        "place_confirm_not_attending_text",
        "the roster's question before marking a person not attending: what will happen",
    ),
    (
        "place_confirm_give_place_title",
        "the roster's question before giving a person waiting a place: title",
    ),
    (
        "place_confirm_give_place_text",
        "the roster's question before giving a person waiting a place: what will happen",
    ),
];

/// Every key of [`HANDLER_KEYS`] that `strings` lacks, as one error.
pub fn missing_handler_keys(strings: &Strings) -> Option<Diagnostic> {
    let missing: Vec<&(&str, &str)> = HANDLER_KEYS
        .iter()
        .filter(|(key, _)| !strings.contains_key(*key))
        .collect();
    let (first, what) = missing.first()?;
    let names: Vec<&str> = missing.iter().map(|(key, _)| *key).collect();
    Some(
        Diagnostic::error(
            FILE,
            format!(
                "the form handler's strings are missing: {}",
                names.join(", ")
            ),
        )
        .with_help(format!(
            "add a line: {first} = {{ en = \"...\", fr = \"...\" }} ({what})"
        )),
    )
}

/// `text` with the program's facts from site.toml in place of `{program}` (its name),
/// `{org}` (the organization's short name), `{phone}` and `{email}`.
pub fn fill(text: &str, site: &SiteConfig, lang: Lang) -> String {
    let program = &site.program;
    text.replace("{program}", program.name.get(lang))
        .replace("{org}", program.org_short_name.get(lang))
        .replace("{phone}", &program.phone)
        .replace("{email}", &program.email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_strings_hold_every_handler_key_and_name_the_program_only_by_placeholder() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let strings = load(&root).unwrap();
        assert!(missing_handler_keys(&strings).is_none());
        for (key, _) in HANDLER_KEYS {
            for lang in Lang::ALL {
                let text = strings[key].get(lang);
                for name in ["Peer Support", "soutien par les pairs", "SMSRC", "CSRIS"] {
                    assert!(!text.contains(name), "{key} names the program: {text}");
                }
            }
        }
    }

    #[test]
    fn a_missing_key_is_named_with_how_to_add_it() {
        let mut strings = Strings::new();
        strings.insert(
            "support_line".into(),
            Localized {
                en: "x".into(),
                fr: "x".into(),
            },
        );
        let error = missing_handler_keys(&strings).unwrap().to_string();
        assert!(
            error.contains("acknowledgement_not_you, acknowledgement_reply"),
            "{error}"
        );
        assert!(!error.contains("support_line,"), "{error}");
        assert!(
            error.contains("add a line: acknowledgement_not_you = "),
            "{error}"
        );
    }
}

//! The real form definitions (`content/forms/`), checked as a person would use them: what each
//! answer gets back, in both languages.

use super::*;
use crate::datetime;
use crate::lang::Lang;
use crate::offering::{self, Offering};
use crate::registration::{CohortAvailability, CohortChoice};
use jiff::Zoned;
use jiff::civil::DateTime;
use std::path::{Path, PathBuf};

fn content() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../content")
}

/// The forms' shared words of the repository's content/strings.toml.
fn words() -> std::sync::Arc<super::FormWords> {
    std::sync::Arc::new(super::FormWords::of_repository())
}

fn forms() -> Vec<FormDef> {
    let (forms, diagnostics) = load_dir(&content().join("forms"), &words());
    assert!(diagnostics.is_empty(), "{diagnostics}");
    forms
}

fn form(id: &str) -> FormDef {
    forms().into_iter().find(|f| f.id == id).unwrap()
}

fn at(text: &str) -> Zoned {
    let tz = datetime::time_zone("America/Toronto").unwrap();
    datetime::zoned_local(text.parse::<DateTime>().unwrap(), &tz).unwrap()
}

/// Two activities and a group, independent of the content engineer's offering files.
fn offerings() -> Vec<Offering> {
    let tz = datetime::time_zone("America/Toronto").unwrap();
    let workshop = r#"kind = "activity"
title = { en = "Workshop", fr = "Atelier" }
summary = { en = "S", fr = "S" }
group_size = 2
hosts = { en = "H", fr = "H" }
registration_deadline = 2025-06-27
duration_minutes = 90
[[cohorts]]
id = "english"
language = "en"
sessions = [{ start = 2025-07-10T17:00:00, end = 2025-07-10T18:30:00 }]
[[cohorts]]
id = "french"
language = "fr"
sessions = [{ start = 2025-07-17T17:00:00, end = 2025-07-17T18:30:00 }]
"#;
    let chat = r#"kind = "activity"
title = { en = "Coffee chat", fr = "Café-causerie" }
summary = { en = "S", fr = "S" }
group_size = 10
hosts = { en = "H", fr = "H" }
commitment = "drop-in"
"#;
    let group = r#"kind = "group"
title = { en = "Informal group", fr = "Groupe informel" }
summary = { en = "S", fr = "S" }
group_size = 10
hosts = { en = "H", fr = "H" }
"#;
    [("workshop", workshop), ("chat", chat), ("informal", group)]
        .into_iter()
        .map(|(id, text)| offering::parse(Path::new(&format!("{id}.toml")), text, &tz).unwrap())
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

fn valid_intake(lang: Lang) -> Vec<(String, String)> {
    pairs(&[
        ("lang", lang.code()),
        ("name", "Sam"),
        ("email", "sam@example.ca"),
        ("language", lang.code()),
        ("contact_method", "email-only"),
        ("group_type", "informal"),
        ("member_status", "veteran"),
        ("member_status", "dnd-employee"),
        ("adult", "yes"),
        ("affected", "yes"),
        ("device", "yes"),
        ("intake_meeting", "yes"),
        ("consent_contact", "yes"),
    ])
}

fn valid_registration() -> Vec<(String, String)> {
    pairs(&[
        ("lang", "en"),
        ("session", "workshop:english"),
        ("name", "Sam"),
        ("contact_method", "email-only"),
        ("email", "sam@example.ca"),
        ("language", "en"),
        ("member_status", "cadet"),
        ("adult", "yes"),
        ("affected", "yes"),
        ("device", "yes"),
        ("code_of_conduct", "yes"),
        ("confidentiality", "yes"),
        ("consent_contact", "yes"),
    ])
}

/// Replaces (or removes, with `None`) every value of `name`.
fn with(mut base: Vec<(String, String)>, name: &str, value: Option<&str>) -> Vec<(String, String)> {
    let position = base.iter().position(|(n, _)| n == name);
    base.retain(|(n, _)| n != name);
    if let Some(value) = value {
        let at = position.unwrap_or(base.len());
        base.insert(at, (name.to_string(), value.to_string()));
    }
    base
}

fn errors_of(def: &FormDef, raw: Vec<(String, String)>, now: &Zoned) -> Vec<(String, String)> {
    match def.validate(&RawSubmission::from_pairs(raw), &offerings(), now) {
        Ok(_) => Vec::new(),
        Err(Invalid::Fields(errors)) => errors.into_iter().map(|e| (e.field, e.message)).collect(),
        Err(Invalid::Rejected(r)) => panic!("rejected: {r}"),
    }
}

#[test]
fn every_form_in_content_loads_cleanly() {
    let ids: Vec<String> = forms().into_iter().map(|f| f.id).collect();
    assert_eq!(ids, ["feedback", "intake", "registration"]);
}

#[test]
fn intake_answers_and_the_errors_they_get_in_both_languages() {
    let def = form("intake");
    let now = at("2025-06-01T12:00");
    let long_name = "n".repeat(101);
    // (what the person did, their answers, the errors expected in English, then in French)
    type Case<'a> = (
        &'a str,
        Box<dyn Fn(Lang) -> Vec<(String, String)>>,
        Vec<(&'a str, &'a str)>,
        Vec<(&'a str, &'a str)>,
    );
    let cases: Vec<Case> = vec![
        (
            "answered everything",
            Box::new(valid_intake),
            vec![],
            vec![],
        ),
        (
            "left the name empty",
            Box::new(|l| with(valid_intake(l), "name", Some("   "))),
            vec![("name", "Enter your name or the name you prefer")],
            vec![("name", "Entrez votre nom ou le nom que vous préférez")],
        ),
        (
            "typed a name of 101 characters",
            Box::new(move |l| with(valid_intake(l), "name", Some(&long_name))),
            vec![("name", "Name must be 100 characters or fewer")],
            vec![("name", "Le nom doit compter au plus 100 caractères")],
        ),
        (
            "typed an email without a domain",
            Box::new(|l| with(valid_intake(l), "email", Some("sam@example"))),
            vec![(
                "email",
                "Enter an email address in the correct format, like name@example.com",
            )],
            vec![(
                "email",
                "Entrez une adresse courriel dans le bon format, par exemple nom@exemple.com",
            )],
        ),
        (
            "chose a phone call but gave no number",
            Box::new(|l| with(valid_intake(l), "contact_method", Some("phone-voicemail"))),
            vec![(
                "phone",
                "Enter a phone number, or choose to be contacted by email only",
            )],
            vec![(
                "phone",
                "Entrez un numéro de téléphone, ou choisissez d’être contacté ou contactée par courriel seulement",
            )],
        ),
        (
            "chose email only but gave no address",
            Box::new(|l| with(valid_intake(l), "email", None)),
            vec![(
                "email",
                "Enter your email address, or choose to be contacted by phone",
            )],
            vec![(
                "email",
                "Entrez votre adresse courriel, ou choisissez d’être contacté ou contactée par téléphone",
            )],
        ),
        (
            "chose a phone call, gave a number and no email address",
            Box::new(|l| {
                let by_phone = with(valid_intake(l), "contact_method", Some("phone"));
                with(with(by_phone, "email", None), "phone", Some("613-555-0100"))
            }),
            vec![],
            vec![],
        ),
        (
            "gave a number that is not one, while choosing email",
            Box::new(|l| with(valid_intake(l), "phone", Some("call me"))),
            vec![("phone", "Enter a phone number, like 613-555-0100")],
            vec![(
                "phone",
                "Entrez un numéro de téléphone, par exemple 613-555-0100",
            )],
        ),
        (
            "sent a language that is not an option",
            Box::new(|l| with(valid_intake(l), "language", Some("de"))),
            vec![("language", "Select your preferred official language")],
            vec![("language", "Sélectionnez votre langue officielle préférée")],
        ),
        (
            "ticked no member status and did not confirm their age",
            Box::new(|l| with(with(valid_intake(l), "member_status", None), "adult", None)),
            vec![
                ("member_status", "Select at least one that describes you"),
                ("adult", "Confirm that you are 18 or older"),
            ],
            vec![
                (
                    "member_status",
                    "Sélectionnez au moins un énoncé qui vous décrit",
                ),
                ("adult", "Confirmez que vous avez 18 ans ou plus"),
            ],
        ),
        (
            "sent nothing but the page's language",
            Box::new(|l| pairs(&[("lang", l.code())])),
            vec![
                ("name", "Enter your name or the name you prefer"),
                ("language", "Select your preferred official language"),
                ("contact_method", "Select how we may contact you"),
                ("group_type", "Select the group you would like to join"),
                ("member_status", "Select at least one that describes you"),
                ("adult", "Confirm that you are 18 or older"),
                ("affected", "Confirm that this applies to you"),
                (
                    "device",
                    "Confirm that you have access to a device with an internet connection",
                ),
                (
                    "intake_meeting",
                    "Confirm that you are willing to take part in a virtual intake meeting",
                ),
                ("consent_contact", "Confirm that we may contact you"),
            ],
            vec![
                ("name", "Entrez votre nom ou le nom que vous préférez"),
                ("language", "Sélectionnez votre langue officielle préférée"),
                (
                    "contact_method",
                    "Sélectionnez comment nous pouvons communiquer avec vous",
                ),
                (
                    "group_type",
                    "Sélectionnez le groupe auquel vous souhaitez participer",
                ),
                (
                    "member_status",
                    "Sélectionnez au moins un énoncé qui vous décrit",
                ),
                ("adult", "Confirmez que vous avez 18 ans ou plus"),
                ("affected", "Confirmez que cet énoncé s’applique à vous"),
                (
                    "device",
                    "Confirmez que vous avez accès à un appareil branché à Internet",
                ),
                (
                    "intake_meeting",
                    "Confirmez que vous acceptez de participer à une réunion d’admission virtuelle",
                ),
                (
                    "consent_contact",
                    "Confirmez que nous pouvons communiquer avec vous",
                ),
            ],
        ),
    ];
    for (what, answers, en, fr) in &cases {
        for (lang, expected) in [(Lang::En, en), (Lang::Fr, fr)] {
            let got = errors_of(&def, answers(lang), &now);
            let expected: Vec<(String, String)> = expected
                .iter()
                .map(|(f, m)| (f.to_string(), m.to_string()))
                .collect();
            assert_eq!(got, expected, "{what} ({lang})");
        }
    }
}

#[test]
fn a_valid_intake_becomes_typed_answers() {
    let def = form("intake");
    let raw = with(
        with(
            valid_intake(Lang::Fr),
            "composition",
            Some("  Women only\r\nplease "),
        ),
        "member_status",
        Some("veteran"),
    );
    let submission = def
        .validate(
            &RawSubmission::from_pairs(raw),
            &offerings(),
            &at("2025-06-01T12:00"),
        )
        .unwrap();
    assert_eq!(submission.lang, Lang::Fr);
    assert_eq!(submission.reply_lang(), Lang::Fr);
    assert_eq!(submission.email(), Some("sam@example.ca"));
    assert_eq!(submission.text("composition"), Some("Women only\nplease"));
    assert_eq!(
        submission.answers.get("member_status"),
        Some(&Answer::List(vec!["veteran".into()]))
    );
    assert_eq!(
        submission.answers.get("adult"),
        Some(&Answer::Confirmed(true))
    );
    assert!(!submission.answers.contains_key("phone"));
}

#[test]
fn requests_no_person_could_make_are_rejected_not_explained() {
    let def = form("intake");
    let now = at("2025-06-01T12:00");
    let check = |raw: Vec<(String, String)>| match def.validate(
        &RawSubmission::from_pairs(raw),
        &offerings(),
        &now,
    ) {
        Err(Invalid::Rejected(r)) => r,
        other => panic!("expected a rejection, got {other:?}"),
    };
    let mut unknown = valid_intake(Lang::En);
    unknown.push(("is_admin".into(), "1".into()));
    assert_eq!(check(unknown), Rejection::UnknownField("is_admin".into()));
    let mut twice = valid_intake(Lang::En);
    twice.push(("name".into(), "Other".into()));
    assert_eq!(check(twice), Rejection::Repeated("name".into()));
}

#[test]
fn the_honeypot_and_the_idempotency_key_are_known_fields() {
    let def = form("feedback");
    let mut raw = pairs(&[
        ("lang", "en"),
        ("service", "chat"),
        ("rating", "good"),
        ("website", "http://spam.example"),
        ("idempotency_key", "k1"),
    ]);
    let parsed = RawSubmission::from_pairs(raw.clone());
    assert!(parsed.is_bot());
    assert_eq!(parsed.idempotency_key(), Some("k1"));
    assert!(
        def.validate(&parsed, &offerings(), &at("2025-06-01T12:00"))
            .is_ok()
    );
    raw.retain(|(n, _)| n != "website");
    assert!(!RawSubmission::from_pairs(raw).is_bot());
}

#[test]
fn feedback_offers_every_offering_then_its_own_options() {
    let def = form("feedback");
    let view = def.view(Lang::Fr, &offerings(), &at("2025-06-01T12:00"));
    let service = &view.fields[0];
    let labels: Vec<&str> = service.options.iter().map(|o| o.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Atelier",
            "Café-causerie",
            "Groupe informel",
            "Le processus d’admission",
            "Autre chose"
        ]
    );
    let errors = errors_of(
        &def,
        pairs(&[("lang", "fr"), ("service", "nope")]),
        &at("2025-06-01T12:00"),
    );
    assert_eq!(
        errors,
        vec![
            (
                "service".to_string(),
                "Sélectionnez le service sur lequel portent vos commentaires".to_string()
            ),
            (
                "rating".to_string(),
                "Sélectionnez votre évaluation de ce service".to_string()
            ),
        ]
    );
}

#[test]
fn registration_offers_only_open_sessions_and_interest() {
    let def = form("registration");
    let before = def.view(Lang::En, &offerings(), &at("2025-06-01T12:00"));
    let session = before.fields.iter().find(|f| f.name == "session").unwrap();
    let values: Vec<&str> = session.options.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(values, ["workshop:english", "workshop:french", "chat"]);
    assert_eq!(session.options[1].label, "Workshop, in French");
    assert_eq!(
        session.options[1].hint.as_deref(),
        Some("Thursday, July 17, 2025, 5 pm to 6:30 pm ET")
    );
    assert_eq!(
        session.options[2].label,
        "Coffee chat: register your interest"
    );
    assert_eq!(session.id, "registration-session");
    assert_eq!(session.options[1].id, "registration-session-2");
    assert!(session.empty_message.is_none());

    // After the deadline only the chat remains; the workshop is closed, not "not an option".
    let after = at("2025-06-28T09:00");
    let late = def.view(Lang::Fr, &offerings(), &after);
    let session = late.fields.iter().find(|f| f.name == "session").unwrap();
    assert_eq!(session.options.len(), 1);
    assert_eq!(
        session.options[0].label,
        "Café-causerie\u{a0}: manifestez votre intérêt"
    );
    let choice = CohortChoice::parse("workshop:english").unwrap();
    assert_eq!(
        choice.availability(&offerings(), &at("2025-06-01T12:00")),
        CohortAvailability::Open {
            group_size: 2,
            starts: at("2025-07-10T17:00").timestamp()
        }
    );
    assert_eq!(
        choice.availability(&offerings(), &after),
        CohortAvailability::Closed
    );
    assert_eq!(
        CohortChoice::parse("chat")
            .unwrap()
            .availability(&offerings(), &after),
        CohortAvailability::Interest
    );
}

#[test]
fn a_cohort_field_written_with_its_old_kind_session_still_loads() {
    let path = content().join("forms/registration.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("kind = \"cohort\""));
    let old = text.replace("kind = \"cohort\"", "kind = \"session\"");
    let def = parse(&path, &old, &words()).unwrap();
    let field = def.cohort_field().expect("the cohort field");
    assert_eq!(field.kind, FieldKind::Cohort);
    assert_eq!(field.name, "session");
}

#[test]
fn registration_checks_the_session_exists() {
    let def = form("registration");
    let now = at("2025-06-01T12:00");
    let base = valid_registration();
    assert_eq!(errors_of(&def, base.clone(), &now), vec![]);
    // "workshop" alone: a dated offering is chosen by its cohort, never as "interest".
    for bad in [
        "workshop:german",
        "informal",
        "nope",
        "Workshop:english",
        "workshop",
    ] {
        assert_eq!(
            errors_of(&def, with(base.clone(), "session", Some(bad)), &now),
            vec![(
                "session".to_string(),
                "Select an activity from the list".to_string()
            )],
            "{bad}"
        );
    }
    let submission = def
        .validate(
            &RawSubmission::from_pairs(with(base, "waitlist", Some("yes"))),
            &offerings(),
            &now,
        )
        .unwrap();
    assert!(submission.wants_waiting_list());
    assert_eq!(
        submission.cohort(&def),
        CohortChoice::parse("workshop:english")
    );
}

#[test]
fn json_bodies_become_the_same_pairs() {
    let json = serde_json::json!({
        "lang": "fr",
        "member_status": ["veteran", "cadet"],
        "name": "Sam",
        "phone": null,
    });
    let raw = RawSubmission::from_json(&json).unwrap();
    assert_eq!(raw.lang(), Lang::Fr);
    assert_eq!(raw.all("member_status"), ["veteran", "cadet"]);
    assert_eq!(
        RawSubmission::from_json(&serde_json::json!({"name": 3})),
        Err(Rejection::NotText("name".into()))
    );
    assert_eq!(
        RawSubmission::from_json(&serde_json::json!(["x"])),
        Err(Rejection::NotAnObject)
    );
}

#[test]
fn values_keep_what_the_person_typed_for_the_form_redrawn() {
    let def = form("intake");
    let raw = RawSubmission::from_pairs(pairs(&[
        ("name", "  Sam "),
        ("member_status", "veteran"),
        ("website", ""),
    ]));
    assert_eq!(
        raw.values(&def),
        serde_json::json!({"name": "  Sam ", "member_status": ["veteran"]})
    );
}

#[test]
fn the_coordinators_notice_describes_answers_with_their_labels() {
    let def = form("intake");
    let submission = def
        .validate(
            &RawSubmission::from_pairs(valid_intake(Lang::En)),
            &offerings(),
            &at("2025-06-01T12:00"),
        )
        .unwrap();
    let lines = def.describe(&submission, Lang::Fr, &offerings());
    assert!(lines.contains(&(
        "Comment pouvons-nous communiquer avec vous en toute sécurité\u{202f}?".into(),
        "Par courriel seulement".into()
    )));
    assert!(lines.contains(&(
        "À quel groupe souhaitez-vous participer\u{202f}?".into(),
        "Groupe informel".into()
    )));
    assert!(lines.contains(&(
        "Lesquels de ces énoncés vous décrivent\u{202f}?".into(),
        "Vétéran ou vétérane\u{202f}; Employé ou employée de la fonction publique du ministère de la Défense nationale (MDN)".into()
    )));
    // What the person typed is theirs: never retouched.
    let typed = def
        .validate(
            &RawSubmission::from_pairs(with(
                valid_intake(Lang::Fr),
                "composition",
                Some("Des femmes seulement ; merci !"),
            )),
            &offerings(),
            &at("2025-06-01T12:00"),
        )
        .unwrap();
    assert!(
        def.describe(&typed, Lang::Fr, &offerings())
            .iter()
            .any(|(_, value)| value == "Des femmes seulement ; merci !")
    );
}

#[test]
fn the_acknowledgement_goes_only_to_people_who_chose_email() {
    let intake = form("intake");
    let now = at("2025-06-01T12:00");
    let sends = |def: &FormDef, raw: Vec<(String, String)>| {
        let submission = def
            .validate(&RawSubmission::from_pairs(raw), &offerings(), &now)
            .unwrap();
        def.sends_acknowledgement(|name| submission.text(name))
    };
    assert!(sends(&intake, valid_intake(Lang::En)), "email only");
    // Someone whose inbox may not be safe chose the phone, and typed an address anyway.
    for method in ["phone", "phone-voicemail"] {
        let by_phone = with(
            with(valid_intake(Lang::En), "contact_method", Some(method)),
            "phone",
            Some("613-555-0100"),
        );
        assert!(
            !sends(&intake, by_phone.clone()),
            "{method} with an address"
        );
        assert!(!sends(&intake, with(by_phone, "email", None)), "{method}");
    }
    // The registration form offers the same choice: only those who chose email get it, and a
    // phone registration needs no address.
    let registration = form("registration");
    assert!(sends(&registration, valid_registration()));
    for method in ["phone", "phone-voicemail"] {
        let by_phone = with(
            with(valid_registration(), "contact_method", Some(method)),
            "phone",
            Some("613-555-0100"),
        );
        assert!(!sends(&registration, by_phone.clone()), "{method}");
        assert!(
            !sends(&registration, with(by_phone, "email", None)),
            "{method}"
        );
    }
    // Anonymous feedback never acknowledges.
    let feedback = form("feedback");
    assert!(!sends(
        &feedback,
        pairs(&[("lang", "en"), ("service", "chat"), ("rating", "good")])
    ));
}

#[test]
fn a_field_required_only_in_some_cases_is_not_marked_optional() {
    let def = form("intake");
    for lang in Lang::ALL {
        let view = def.view(lang, &offerings(), &at("2025-06-01T12:00"));
        let field = |name: &str| view.fields.iter().find(|f| f.name == name).unwrap();
        for conditional in ["email", "phone"] {
            assert!(!field(conditional).optional, "{conditional} ({lang})");
            assert!(!field(conditional).required, "{conditional} ({lang})");
            assert!(field(conditional).hint.is_some(), "its hint says when");
        }
        assert!(field("composition").optional);
        assert!(!field("name").optional);
    }
}

/// Every string of a serialized view, with where it sits.
fn strings_of(value: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::String(text) => out.push((path.to_string(), text.clone())),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings_of(item, &format!("{path}[{i}]"), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                strings_of(item, &format!("{path}.{key}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_french_text_of_every_form_has_its_no_break_spaces() {
    let now = at("2025-06-01T12:00");
    for def in forms() {
        let view = serde_json::to_value(def.view(Lang::Fr, &offerings(), &now)).unwrap();
        let mut texts = Vec::new();
        strings_of(&view, &def.id, &mut texts);
        for (path, text) in &texts {
            for mark in ['?', '!', ';', ':'] {
                assert!(
                    !text.contains(&format!(" {mark}")),
                    "{path}: an ordinary space before `{mark}` in {text:?}"
                );
            }
        }
        // And the words the handler adds: every error message.
        for field in &def.fields {
            for kind in [ErrorKind::Required, ErrorKind::TooLong, ErrorKind::Invalid] {
                let message = field.error_message(kind, Lang::Fr, &words());
                assert!(!message.contains(" :"), "{}: {message:?}", field.name);
            }
        }
    }
    let intake = form("intake").view(Lang::Fr, &offerings(), &now);
    let group = intake
        .fields
        .iter()
        .find(|f| f.name == "group_type")
        .unwrap();
    assert_eq!(
        group.label,
        "À quel groupe souhaitez-vous participer\u{202f}?"
    );
    // English is shown as written.
    let english = form("intake").view(Lang::En, &offerings(), &now);
    let group = english
        .fields
        .iter()
        .find(|f| f.name == "group_type")
        .unwrap();
    assert_eq!(group.label, "Which group would you like to join?");
}

/// `text` with " : oui ?" added to every French string (`fr = "..."`).
fn with_french_punctuation(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("fr = \"") {
        let start = at + "fr = \"".len();
        let end = start + rest[start..].find('"').expect("the string closes");
        out.push_str(&rest[..end]);
        out.push_str(" : oui ?");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn every_french_text_a_form_shows_gets_its_no_break_spaces() {
    let now = at("2025-06-01T12:00");
    for id in ["intake", "registration", "feedback"] {
        let path = content().join(format!("forms/{id}.toml"));
        let text = with_french_punctuation(&std::fs::read_to_string(&path).unwrap());
        let def = parse(&path, &text, &words()).unwrap();
        let view = serde_json::to_value(def.view(Lang::Fr, &offerings(), &now)).unwrap();
        let mut texts = Vec::new();
        strings_of(&view, id, &mut texts);
        let typeset: Vec<&(String, String)> = texts
            .iter()
            .filter(|(_, t)| t.ends_with("\u{a0}: oui\u{202f}?"))
            .collect();
        for (path, text) in &texts {
            assert!(
                !text.contains(" : oui") && !text.contains(" ?"),
                "{path}: {text:?}"
            );
        }
        // Title, submit, privacy notice, headings, labels, hints, options: all of them.
        for key in [
            ".title",
            ".submit",
            ".privacy.sections[0].text",
            ".fields[0].heading",
        ] {
            assert!(
                typeset.iter().any(|(p, _)| p == &format!("{id}{key}")),
                "{id}{key}"
            );
        }
        assert!(typeset.iter().any(|(p, _)| p.ends_with(".label")));
        assert!(typeset.iter().any(|(p, _)| p.ends_with(".hint")));
        for field in &def.fields {
            let message = field.error_message(ErrorKind::Required, Lang::Fr, &words());
            assert!(!message.contains(" : oui"), "{}: {message:?}", field.name);
        }
    }
}

#[test]
fn a_session_hint_separates_its_dates_the_french_way() {
    let tz = datetime::time_zone("America/Toronto").unwrap();
    let two_parts = r#"kind = "activity"
title = { en = "Two parts", fr = "Deux parties" }
summary = { en = "S", fr = "S" }
group_size = 10
hosts = { en = "H", fr = "H" }
registration_deadline = 2025-06-27
[[cohorts]]
id = "french"
language = "fr"
sessions = [
  { start = 2025-07-17T17:00:00, end = 2025-07-17T18:30:00 },
  { start = 2025-07-31T17:00:00, end = 2025-07-31T18:00:00 },
]
"#;
    let offering = offering::parse(Path::new("two-parts.toml"), two_parts, &tz).unwrap();
    let def = form("registration");
    let now = at("2025-06-01T12:00");
    let hint = |lang| {
        let view = def.view(lang, std::slice::from_ref(&offering), &now);
        let session = view.fields.iter().find(|f| f.name == "session").unwrap();
        session.options[0].hint.clone().unwrap()
    };
    let french = hint(Lang::Fr);
    assert!(french.contains("(HE)\u{202f}; le jeudi"), "{french}");
    assert!(!french.contains("(HE);"), "{french}");
    assert!(
        hint(Lang::En).contains("ET; Thursday"),
        "{}",
        hint(Lang::En)
    );
}

#[test]
fn the_intake_lists_the_groups_in_the_pages_order() {
    let tz = datetime::time_zone("America/Toronto").unwrap();
    let (offerings, problems) = offering::load_dir(&content().join("offerings"), &tz);
    assert!(problems.is_empty(), "{problems}");
    let now = at("2025-06-01T12:00");
    let values = |id: &str, name: &str| -> Vec<String> {
        let view = form(id).view(Lang::En, &offerings, &now);
        let field = view.fields.iter().find(|f| f.name == name).unwrap();
        field.options.iter().map(|o| o.value.clone()).collect()
    };
    // The group pages list Informal (weight 10) before Formal (20).
    assert_eq!(
        values("intake", "group_type"),
        ["informal-group", "formal-group", "not-sure"]
    );
    // Activities before groups, each in its pages' order, as the navigation lists them.
    assert_eq!(
        values("feedback", "service"),
        [
            "mens-virtual-coffee-chat",
            "discover-creative-coping",
            "informal-group",
            "formal-group",
            "intake",
            "other"
        ]
    );
}

/// Each state of a cohort is its own answer: a session that is over is never "closed" (whose
/// waiting list takes people), nor one whose registration has not opened yet.
#[test]
fn availability_tells_past_closed_and_not_yet_open_apart() {
    let english = CohortChoice::parse("workshop:english").unwrap();
    let french = CohortChoice::parse("workshop:french").unwrap();
    // July 12: the English cohort's only session is over; the French one is closed (deadline
    // passed) but ahead.
    let between = at("2025-07-12T12:00");
    assert_eq!(
        english.availability(&offerings(), &between),
        CohortAvailability::Past
    );
    assert_eq!(
        french.availability(&offerings(), &between),
        CohortAvailability::Closed
    );
    assert_eq!(
        CohortChoice::parse("workshop")
            .unwrap()
            .availability(&offerings(), &between),
        CohortAvailability::Unknown
    );

    let tz = datetime::time_zone("America/Toronto").unwrap();
    let later = r#"kind = "activity"
title = { en = "Workshop", fr = "Atelier" }
summary = { en = "S", fr = "S" }
group_size = 2
hosts = { en = "H", fr = "H" }
registration_opens = 2025-08-01
duration_minutes = 90
[[cohorts]]
id = "english"
language = "en"
sessions = [{ start = 2025-09-10T17:00:00, end = 2025-09-10T18:30:00 }]
"#;
    let later = offering::parse(Path::new("later.toml"), later, &tz).unwrap();
    let choice = CohortChoice::parse("later:english").unwrap();
    assert_eq!(
        choice.availability(std::slice::from_ref(&later), &at("2025-07-12T12:00")),
        CohortAvailability::NotYetOpen
    );
}

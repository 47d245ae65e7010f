//! The waiting list advancing through the handler (issue 13): a raised group size gives its
//! new places to the people waiting, on the next registration for that cohort and before the
//! newcomer is counted; a person who joins the waiting list of a closed cohort is on that
//! cohort's list; the promoted person's news goes out by their chosen way.

mod support;

use handler::delivery::notifier;
use handler::store::Status;
use handler::store::places::CohortPlaces;
use handler::waiting_list;
use std::sync::Arc;
use support::*;

/// Registers `n` people for `cohort`, asking for the waiting list when full; returns the
/// confirmation addresses.
async fn register(site: &TestSite, cohort: &str, from: usize, n: usize) -> Vec<String> {
    let mut urls = Vec::new();
    for i in from..from + n {
        let mut answers = registration(cohort, &format!("person{i}@example.ca"));
        answers.push(("waitlist".into(), "yes".into()));
        urls.push(location(
            &site.post_form("registration", &pairs(&answers)).await,
        ));
    }
    urls
}

fn status_of(url: &str) -> &str {
    url.rsplit("status=").next().unwrap()
}

#[tokio::test]
async fn a_raised_group_size_goes_to_the_people_waiting_before_a_newcomer() {
    let site = TestSite::new(OPEN);
    let first = register(&site, "workshop:english", 0, 12).await;
    assert!(first[..10].iter().all(|u| status_of(u) == "registered"));
    assert!(first[10..].iter().all(|u| status_of(u) == "waitlisted"));
    let waiting: Vec<String> = first[10..].iter().map(|u| reference_in(u)).collect();
    notifier::run_once(site.state.delivery()).await.unwrap();
    let sent_before = site.outbox().len();

    // The editor raises the group size from 10 to 12.
    let file = site.options.root.join("content/offerings/workshop.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("group_size = 10", "group_size = 12")).unwrap();

    // The next person finds the two new places given to the two who waited.
    let next = register(&site, "workshop:english", 12, 1).await;
    assert_eq!(status_of(&next[0]), "waitlisted", "{next:?}");
    for reference in &waiting {
        let stored = site
            .state
            .store()
            .get(&handler::Reference::parse(reference).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, Status::Registered, "{reference}");
    }
    // Each is told once, by email (they chose email).
    notifier::run_once(site.state.delivery()).await.unwrap();
    let outbox = site.outbox();
    let promotions: Vec<&String> = outbox
        .iter()
        .filter(|m| {
            m.contains("X-Passerelle-Kind: promotion\r\n")
                || m.contains("X-Passerelle-Kind: promotion\n")
        })
        .collect();
    assert_eq!(
        promotions.len(),
        2,
        "{} new messages",
        outbox.len() - sent_before
    );
    for (reference, i) in waiting.iter().zip([10, 11]) {
        assert!(
            promotions.iter().any(|m| m.contains(reference.as_str())
                && m.contains(&format!("To: person{i}@example.ca")))
        );
    }
}

#[tokio::test]
async fn someone_waiting_for_a_closed_cohort_is_on_its_waiting_list() {
    let site = TestSite::new(CLOSED);
    let url = register(&site, "workshop:english", 0, 1).await.remove(0);
    assert_eq!(status_of(&url), "waitlisted");
    let reference = handler::Reference::parse(&reference_in(&url)).unwrap();
    let content = site.state.content();
    let stored = site.state.store().get(&reference).await.unwrap().unwrap();
    let cohort = waiting_list::cohort_of(&content, &stored).unwrap();
    // Its cohort's list is where a freed place is looked for: this person is found there.
    let places = CohortPlaces {
        form: "registration".into(),
        offering: cohort.offering.clone(),
        cohort: cohort.cohort.clone(),
        cohort_key: format!("{}@{}", cohort.cohort, cohort.starts),
        group_size: cohort.group_size,
    };
    let notices = waiting_list::promotion_notices(site.state.config(), Arc::clone(&content));
    let promoted = site
        .state
        .store()
        .fill_places(&places, jiff::Timestamp::now(), notices)
        .await
        .unwrap();
    assert_eq!(promoted, vec![reference]);
}

#[tokio::test]
async fn a_person_promoted_who_asked_for_a_call_is_announced_to_the_coordinators() {
    let site = TestSite::new(OPEN);
    register(&site, "workshop:english", 0, 10).await;
    let mut by_phone = registration("workshop:english", "");
    for (name, value) in by_phone.iter_mut() {
        match name.as_str() {
            "contact_method" => *value = "phone".into(),
            "email" => *value = String::new(),
            _ => {}
        }
    }
    by_phone.push(("phone".into(), "613-555-0100".into()));
    by_phone.push(("waitlist".into(), "yes".into()));
    let response = site.post_form("registration", &pairs(&by_phone)).await;
    let url = location(&response);
    assert_eq!(status_of(&url), "waitlisted", "{url}");
    let reference = reference_in(&url);
    let content = site.state.content();
    let notices = waiting_list::promotion_notices(site.state.config(), Arc::clone(&content));
    let stored = site
        .state
        .store()
        .get(&handler::Reference::parse(&reference).unwrap())
        .await
        .unwrap()
        .unwrap();
    // The store asks once the person has the place (their new status).
    let mut promoted = stored.clone();
    promoted.status = Status::Registered;
    let queued = notices(&promoted);
    assert_eq!(queued.len(), 1);
    assert_eq!(
        queued[0].kind,
        handler::store::NotificationKind::PromotionCall
    );
    assert_eq!(queued[0].recipient, "coordinators@passerelle.localhost");

    // Someone withdraws: the place is theirs, and the coordinators are asked to call them.
    notifier::run_once(site.state.delivery()).await.unwrap();
    let first = site
        .state
        .store()
        .list("registration")
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.status == Status::Registered)
        .unwrap();
    let at = site.state.now(&content).timestamp();
    let change = waiting_list::change_for(
        &content,
        site.state.config(),
        &first,
        handler::store::places::PlaceAction::Withdraw,
        at,
    );
    site.state.store().change_place(change).await.unwrap();
    notifier::run_once(site.state.delivery()).await.unwrap();
    let calls: Vec<String> = site
        .outbox()
        .into_iter()
        .filter(|m| m.contains("X-Passerelle-Kind: promotion-call\r\n"))
        .collect();
    assert_eq!(calls.len(), 1, "one notice to the coordinators");
    assert!(calls[0].contains("To: coordinators@passerelle.localhost"));
    assert!(calls[0].contains(&reference), "it names the reference");
    assert!(
        calls[0].contains("A place opened up: call the person"),
        "{}",
        calls[0]
    );
    assert!(
        !site
            .outbox()
            .iter()
            .any(|m| m.contains("X-Passerelle-Kind: promotion\r\n")),
        "and no email to the person"
    );
}

#[tokio::test]
async fn the_scheduled_sweep_fills_free_places_on_sqlite() {
    let site = TestSite::new(OPEN);
    the_sweep_fills_free_places(&site.state, &site.options.root).await;
}

/// The local server's loop fills on its own (every poll), with no registration to set it off.
#[tokio::test]
async fn the_local_loop_fills_a_raised_group_size() {
    let site = TestSite::new(OPEN);
    register(&site, "workshop:english", 0, 11).await;
    let file = site.options.root.join("content/offerings/workshop.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("group_size = 10", "group_size = 11")).unwrap();
    let intervals = notifier::Intervals {
        poll: std::time::Duration::from_millis(50),
        purge_every: std::time::Duration::from_secs(3600),
    };
    let task = notifier::spawn_with(site.state.delivery().clone(), intervals);
    let mut status = Status::Waitlisted;
    for _ in 0..100 {
        status = statuses_by_email(&site.state).await["person10@example.ca"];
        if status == Status::Registered {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    task.abort();
    assert_eq!(status, Status::Registered);
}

fn of_kind<'a>(outbox: &'a [String], kind: &str) -> Vec<&'a String> {
    outbox
        .iter()
        .filter(|m| m.contains(&format!("X-Passerelle-Kind: {kind}\r\n")))
        .collect()
}

/// A promotion is not sent to a person who withdrew since it was queued (review m11); a
/// withdrawal tells the coordinators (no personal data) and confirms to a person who chose
/// email (m13).
#[tokio::test]
async fn withdrawals_are_told_and_a_promotion_since_withdrawn_is_dropped() {
    let site = TestSite::new(OPEN);
    register(&site, "workshop:english", 0, 11).await;
    notifier::run_once(site.state.delivery()).await.unwrap();
    let before = site.outbox();
    let content = site.state.content();
    let at = site.state.now(&content).timestamp();
    let withdraw = |email: &'static str| {
        let site = &site;
        let content = &content;
        async move {
            let stored = site
                .state
                .store()
                .list("registration")
                .await
                .unwrap()
                .into_iter()
                .find(|s| s.submission.email() == Some(email))
                .unwrap();
            let change = waiting_list::change_for(
                content,
                site.state.config(),
                &stored,
                handler::store::places::PlaceAction::Withdraw,
                at,
            );
            site.state.store().change_place(change).await.unwrap()
        }
    };
    // person0 withdraws: person10 gets the place; person10 withdraws before the email goes.
    let outcome = withdraw("person0@example.ca").await;
    assert!(
        format!("{outcome:?}").contains("promoted: Some"),
        "{outcome:?}"
    );
    withdraw("person10@example.ca").await;
    notifier::run_once(site.state.delivery()).await.unwrap();
    let new: Vec<String> = site
        .outbox()
        .into_iter()
        .filter(|m| !before.contains(m))
        .collect();
    let new = &new[..];
    assert!(of_kind(new, "promotion").is_empty(), "no promotion email");
    assert!(
        site.state
            .store()
            .failed_notifications()
            .await
            .unwrap()
            .is_empty()
    );
    let notices = of_kind(new, "withdrawal");
    assert_eq!(notices.len(), 2, "one notice per withdrawal");
    for notice in &notices {
        assert!(notice.contains("To: coordinators@passerelle.localhost"));
        assert!(notice.contains("A registration was cancelled"), "{notice}");
        assert!(
            !notice.contains("@example.ca") && !notice.contains("Robin"),
            "no personal data: {notice}"
        );
    }
    let confirmations = of_kind(new, "withdrawal-confirmation");
    assert_eq!(confirmations.len(), 2);
    for (confirmation, to) in confirmations.iter().zip(["person0", "person10"]) {
        assert!(
            confirmation.contains(&format!("To: {to}@example.ca")),
            "{confirmation}"
        );
        assert!(
            confirmation.contains("Your place is cancelled"),
            "{confirmation}"
        );
        assert!(
            !confirmation.contains("/api/withdraw"),
            "no link to withdraw again"
        );
    }
    assert_eq!(notifier::run_once(site.state.delivery()).await.unwrap(), 0);
}

/// A preview served at a future moment (`site serve --now`) sees the offerings then, but the
/// news a change queues is due now (real time): the notifier sends it at once.
#[tokio::test]
async fn a_preview_clock_in_the_future_does_not_delay_the_news() {
    let site = TestSite::new(OPEN);
    register(&site, "workshop:english", 0, 11).await;
    notifier::run_once(site.state.delivery()).await.unwrap();
    let before = site.outbox();
    let content = site.state.content();
    let stored = site
        .state
        .store()
        .list("registration")
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.submission.email() == Some("person0@example.ca"))
        .unwrap();
    let future = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 365);
    let mut change = waiting_list::change_for(
        &content,
        site.state.config(),
        &stored,
        handler::store::places::PlaceAction::Withdraw,
        future,
    );
    // The fixtures' cohort is dated before that moment; a preview's would be after it.
    change.promote = true;
    let outcome = site.state.store().change_place(change).await.unwrap();
    assert!(
        format!("{outcome:?}").contains("promoted: Some"),
        "{outcome:?}"
    );
    notifier::run_once(site.state.delivery()).await.unwrap();
    let new: Vec<String> = site
        .outbox()
        .into_iter()
        .filter(|m| !before.contains(m))
        .collect();
    assert_eq!(of_kind(&new, "promotion").len(), 1, "sent now");
    assert_eq!(
        of_kind(&new, "withdrawal-confirmation").len(),
        1,
        "sent now"
    );
}

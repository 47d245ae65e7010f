//! What sending the emails needs, apart from the router: the store it reads the records from,
//! the mailer, the settings, the content the emails' words and templates come from (the
//! site's one template environment, `templates/email/`), and the clock. [`notifier`] takes a [`Delivery`]; the router's state holds one only to wake it
//! after a submission is stored.
//!
//! Dependency direction: the ways in (local.rs, lambda.rs, main.rs) build a [`Delivery`] and
//! hand it to the router's state (state.rs, read by routes/); the routes know delivery only
//! through this type, and delivery (this folder: this module, notifier.rs, emails.rs, mail.rs,
//! smtp.rs) never imports the router or its state.

pub mod emails;
pub mod invitation;
pub mod mail;
pub mod notifier;
pub mod smtp;

use crate::config::Config;
use crate::content::{Content, ContentSource};
use crate::delivery::mail::Mailer;
use crate::store::Store;
use jiff::Timestamp;
use std::sync::Arc;
use tokio::sync::Notify;

/// The notifier's own state; cheap to clone (clones share the store, the mailer and the wake).
#[derive(Clone)]
pub struct Delivery {
    shared: Arc<Shared>,
}

struct Shared {
    content: Arc<ContentSource>,
    store: Arc<dyn Store>,
    mailer: Arc<dyn Mailer>,
    config: Config,
    wake: Notify,
    /// The fixed moment offerings are seen at (previews and tests: `site serve --now`).
    offerings_now: Option<Timestamp>,
}

impl Delivery {
    /// Assembles delivery from the same pieces the router's state is built from. The email
    /// templates come with the content (loaded and checked with the site's templates).
    pub fn new(
        content: Arc<ContentSource>,
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        config: Config,
    ) -> Delivery {
        Delivery {
            shared: Arc::new(Shared {
                content,
                store,
                mailer,
                config,
                wake: Notify::new(),
                offerings_now: None,
            }),
        }
    }

    /// Sees the offerings at `now` instead of the real time (the router's fixed clock, for
    /// previews and tests): whether a cohort has started, so whether a withdrawal link is
    /// still worth sending. Call before cloning.
    pub fn with_offerings_now(mut self, now: Option<Timestamp>) -> Delivery {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.offerings_now = now;
        }
        self
    }

    /// The moment offerings are seen at: the fixed one, or the real time.
    pub fn offerings_now(&self) -> Timestamp {
        self.shared.offerings_now.unwrap_or_else(Timestamp::now)
    }

    /// The current content (reloaded when its files changed): the forms, the words and the
    /// templates.
    pub fn content(&self) -> Arc<Content> {
        self.shared.content.get()
    }

    /// Where the submissions and their notifications are kept.
    pub fn store(&self) -> &dyn Store {
        self.shared.store.as_ref()
    }

    /// Where the emails go.
    pub fn mailer(&self) -> &dyn Mailer {
        self.shared.mailer.as_ref()
    }

    /// The handler's settings (senders, coordinators, attempts, retention).
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The real time: when a notification was sent, what is due, what has expired.
    pub fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    /// Tells the notifier there is something to send.
    pub fn wake(&self) {
        self.shared.wake.notify_one();
    }

    /// Waits until [`Delivery::wake`] is called (or was, since the last wait).
    pub async fn woken(&self) {
        self.shared.wake.notified().await;
    }
}

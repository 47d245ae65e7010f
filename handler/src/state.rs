//! The router's state: the content, the built pages, the store, the settings, the clocks, and
//! the [`Delivery`] it wakes after a submission is stored (delivery never sees this state).

use crate::config::Config;
use crate::content::{Content, ContentSource, SitePages};
use crate::delivery::Delivery;
use crate::store::Store;
use jiff::{Timestamp, Zoned};
use std::sync::{Arc, RwLock};

/// Everything a request needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

struct Shared {
    content: Arc<ContentSource>,
    pages: SitePages,
    store: Arc<dyn Store>,
    config: Config,
    now: Option<Zoned>,
    delivery: Delivery,
    clock: RwLock<Clock>,
}

/// The clock that stamps submissions as they arrive.
type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

impl AppState {
    /// Assembles the state. `now` fixes the clock used for the offerings' states (previews
    /// and tests); `None` uses the real time. `delivery` (built from the same content, store
    /// and config: [`crate::local::assemble`]) is only woken after a submission is stored.
    pub fn new(
        content: Arc<ContentSource>,
        pages: SitePages,
        store: Arc<dyn Store>,
        config: Config,
        now: Option<Zoned>,
        delivery: Delivery,
    ) -> AppState {
        AppState {
            shared: Arc::new(Shared {
                content,
                pages,
                store,
                config,
                now,
                delivery,
                clock: RwLock::new(Arc::new(Timestamp::now)),
            }),
        }
    }

    /// The current content (reloaded when its files changed).
    pub fn content(&self) -> Arc<Content> {
        self.shared.content.get()
    }

    pub fn store(&self) -> &dyn Store {
        self.shared.store.as_ref()
    }

    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The built site's form pages (their addresses, and the frames to render them again in).
    pub fn pages(&self) -> &SitePages {
        &self.shared.pages
    }

    /// The moment that decides which sessions are open: the fixed clock, or now.
    pub fn now(&self, content: &Content) -> Zoned {
        match &self.shared.now {
            Some(fixed) => fixed.clone(),
            None => Timestamp::now().to_zoned(content.tz.clone()),
        }
    }

    /// The real time a submission arrives (what [`AppState::set_clock`] set, for tests).
    pub fn received_now(&self) -> Timestamp {
        let clock = self.shared.clock.read().map(|c| Arc::clone(&c));
        clock.map(|c| c()).unwrap_or_else(|_| Timestamp::now())
    }

    /// Stamps submissions with `clock` instead of the real time (tests that submit at given
    /// hours). The offerings' states keep the fixed `now` given to [`AppState::new`].
    pub fn set_clock(&self, clock: impl Fn() -> Timestamp + Send + Sync + 'static) {
        if let Ok(mut slot) = self.shared.clock.write() {
            *slot = Arc::new(clock);
        }
    }

    /// What sends the emails (the notifier's own state, sharing this one's store).
    pub fn delivery(&self) -> &Delivery {
        &self.shared.delivery
    }

    /// Tells the notifier there is something to send.
    pub fn wake_notifier(&self) {
        self.shared.delivery.wake();
    }
}

//! Whether the database is reachable, as requests find it: an outage is logged once when it starts
//! and once when it ends, never once per request (each failing request answers 503).

use std::sync::atomic::{AtomicBool, Ordering};

/// The database's reachability, shared by every worker.
#[derive(Debug, Default)]
pub struct Health {
    down: AtomicBool,
}

impl Health {
    /// Records a failure to reach the database; logs only the change from up to down.
    pub fn failed(&self, cause: &dyn std::fmt::Display) {
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::error!(error = %cause, "database unavailable; answering 503 until it is back");
        }
    }

    /// Records a successful connection; logs only the change from down to up.
    pub fn succeeded(&self) {
        if self.down.swap(false, Ordering::Relaxed) {
            tracing::info!("database reachable again");
        }
    }

    /// Whether the last attempt failed.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_flips_only_on_a_change() {
        let health = Health::default();
        assert!(!health.is_down());
        health.failed(&"refused");
        health.failed(&"refused again");
        assert!(health.is_down());
        health.succeeded();
        assert!(!health.is_down());
    }
}

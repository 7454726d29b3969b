//! In-process counters (Better Auth's `memory` storage): bounded, with expired entries swept.

use std::collections::HashMap;
use std::sync::Mutex;

use super::Decision;
use crate::config::Limit;

/// The most keys kept at once (Better Auth's `MEMORY_STORE_MAX_ENTRIES`).
const MAX_ENTRIES: usize = 100_000;
/// How often expired entries are swept, at most.
const SWEEP_EVERY_MS: i64 = 10_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    count: u32,
    last_request: i64,
    /// The entry is forgotten after this (ms), `window` after the last allowed request.
    expires_at: i64,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    last_sweep: i64,
}

/// Counters keyed by `ip|path`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

fn window_ms(limit: Limit) -> i64 {
    i64::try_from(limit.window.as_millis()).unwrap_or(i64::MAX)
}

/// `ceil((lastRequest + window − now) / 1000)` seconds.
pub(super) fn retry_after(last_request: i64, window_ms: i64, now: i64) -> u64 {
    let ms = last_request
        .saturating_add(window_ms)
        .saturating_sub(now)
        .max(0);
    u64::try_from(ms).unwrap_or(0).div_ceil(1000)
}

/// `decideConsume`: the next `(count, lastRequest)` if allowed.
fn decide(current: Option<Entry>, limit: Limit, now: i64) -> Result<(u32, i64), u64> {
    let window = window_ms(limit);
    match current {
        None => Ok((1, now)),
        Some(e) if now - e.last_request >= window => Ok((1, now)),
        Some(e) if e.count >= limit.max => Err(retry_after(e.last_request, window, now)),
        Some(e) => Ok((e.count + 1, now)),
    }
}

impl Inner {
    fn sweep(&mut self, now: i64) {
        if now - self.last_sweep < SWEEP_EVERY_MS && self.entries.len() < MAX_ENTRIES {
            return;
        }
        self.last_sweep = now;
        self.entries.retain(|_, e| e.expires_at > now);
        if self.entries.len() >= MAX_ENTRIES {
            // Still full of live keys (e.g. a flood of spoofed IPs): drop the oldest tenth.
            let mut ages: Vec<i64> = self.entries.values().map(|e| e.expires_at).collect();
            let cut = ages.len() / 10;
            let (_, cutoff, _) = ages.select_nth_unstable(cut);
            let cutoff = *cutoff;
            self.entries.retain(|_, e| e.expires_at > cutoff);
        }
    }
}

impl MemoryStore {
    /// Counts one request under `key` at `now` (epoch ms).
    pub fn consume(&self, key: &str, limit: Limit, now: i64) -> Decision {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.sweep(now);
        let current = inner
            .entries
            .get(key)
            .copied()
            .filter(|e| now < e.expires_at);
        match decide(current, limit, now) {
            Ok((count, last_request)) => {
                let expires_at = now.saturating_add(window_ms(limit));
                inner.entries.insert(
                    key.to_owned(),
                    Entry {
                        count,
                        last_request,
                        expires_at,
                    },
                );
                Decision::Allowed
            }
            Err(retry_after_secs) => Decision::Limited { retry_after_secs },
        }
    }

    /// How many keys are held (for tests).
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.entries.len())
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const LIMIT: Limit = Limit {
        window: Duration::from_secs(10),
        max: 3,
    };

    #[test]
    fn the_fourth_request_in_a_window_is_limited_until_the_window_passes() {
        let store = MemoryStore::default();
        for t in [0, 1000, 2000] {
            assert_eq!(store.consume("k", LIMIT, t), Decision::Allowed);
        }
        // The window runs from the last allowed request (2000 ms): 8.5 s left → 9.
        assert_eq!(
            store.consume("k", LIMIT, 3500),
            Decision::Limited {
                retry_after_secs: 9
            }
        );
        assert_eq!(store.consume("other", LIMIT, 3500), Decision::Allowed);
        assert_eq!(store.consume("k", LIMIT, 12_000), Decision::Allowed);
    }

    #[test]
    fn expired_entries_are_swept() {
        let store = MemoryStore::default();
        for i in 0..50 {
            store.consume(&format!("k{i}"), LIMIT, 0);
        }
        assert_eq!(store.len(), 50);
        store.consume("late", LIMIT, 60_000);
        assert_eq!(store.len(), 1);
    }
}

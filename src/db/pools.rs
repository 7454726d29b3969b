//! One connection pool per thread that uses the database: each Actix worker gets its own.
//!
//! tokio-postgres drives a connection from a task spawned on the runtime that opened it. With one
//! pool shared by every worker, a connection opened on one worker (or at start-up, on the main
//! thread) is driven there while another worker awaits its queries, so every query crosses
//! threads twice. A pool per worker opens, drives and uses each connection on one thread.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use deadpool::Status;

use super::DbPool;

/// Builds one thread's pool.
type Build = dyn Fn() -> DbPool + Send + Sync;

thread_local! {
    /// This thread's pools, by the [`Pools`] they belong to (tests run several servers per process).
    static LOCAL: RefCell<Vec<(u64, DbPool)>> = const { RefCell::new(Vec::new()) };
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// The per-thread pools of one server.
pub struct Pools {
    id: u64,
    /// The connections allowed in all: each thread's pool gets its share.
    max_size: usize,
    build: Box<Build>,
    /// Every pool made so far, for metrics and for closing them at shutdown.
    all: Mutex<Vec<DbPool>>,
}

impl Pools {
    /// Pools made by `build`, one per thread on first use, `max_size` connections in all.
    pub fn new(max_size: usize, build: impl Fn() -> DbPool + Send + Sync + 'static) -> Self {
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            max_size,
            build: Box::new(build),
            all: Mutex::default(),
        }
    }

    /// Tells these pools from another server's in the same process.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The calling thread's pool, made on first use.
    pub fn local(&self) -> DbPool {
        LOCAL.with(|local| {
            let mut local = local.borrow_mut();
            if let Some((_, pool)) = local.iter().find(|(id, _)| *id == self.id) {
                return pool.clone();
            }
            let pool = (self.build)();
            self.lock().push(pool.clone());
            local.push((self.id, pool.clone()));
            pool
        })
    }

    /// The pools' statuses, summed; `max_size` is the configured total.
    pub fn status(&self) -> Status {
        let empty = Status {
            max_size: self.max_size,
            size: 0,
            available: 0,
            waiting: 0,
        };
        self.lock()
            .iter()
            .map(DbPool::status)
            .fold(empty, |sum, s| Status {
                size: sum.size + s.size,
                available: sum.available + s.available,
                waiting: sum.waiting + s.waiting,
                ..sum
            })
    }

    /// Closes every pool: their idle connections now, the others when they come back.
    pub fn close(&self) {
        self.lock().iter().for_each(DbPool::close);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<DbPool>> {
        self.all.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for Pools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pools")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

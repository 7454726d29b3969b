//! Session reads that arrive together on one worker share one PostgreSQL query.
//!
//! Every authenticated request reads its session. One query per request costs PostgreSQL a
//! wake-up, a round trip and an executor start for one index probe; under load that overhead,
//! not the probe, is most of the database's share of a request. Here a worker sends the first read
//! at once and queues those that arrive while it runs; when it answers, the queue goes out as one
//! `token = ANY($1)` query. An idle server therefore waits for nothing, and a busy one pays the
//! overhead once per batch.
//!
//! Each read is queued before its batch is sent, so it sees every write committed before the
//! request arrived, as its own query would. A request that already holds a connection (inside a
//! transaction) reads on that connection instead. SQLite runs in process, with no round trip to
//! save: it always reads directly.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tokio::sync::oneshot;

use super::StoreError;
use crate::db::DbPool;
use crate::db::models::{Session, User};
use crate::db::schema::{session, user};

/// At most this many tokens per query: a burst larger than that goes out in several.
const MAX_BATCH: usize = 128;

/// What a batch answers each read: its session and user, if any, or the batch's failure.
pub type Answer = Result<Option<(Session, User)>, Arc<StoreError>>;

/// The reads waiting on one worker for one server's pool.
#[derive(Default)]
struct Queue {
    waiting: Vec<(String, oneshot::Sender<Answer>)>,
    /// Whether a batch task is running (it takes what is waiting when its query returns).
    running: bool,
}

thread_local! {
    /// This thread's queues, by the id of the [`crate::db::Pools`] they read through.
    static QUEUES: RefCell<Vec<(u64, Rc<RefCell<Queue>>)>> = const { RefCell::new(Vec::new()) };
}

/// The session of `token` and its user, expired or not, read with whatever other reads this
/// worker has queued. `pool` is this thread's PostgreSQL pool of the [`crate::db::Pools`] `pools_id`.
pub async fn find(pools_id: u64, pool: DbPool, token: &str) -> Answer {
    // The sender is dropped unanswered only if the batch task panicked (its guard empties the
    // queue): a bug, which answers 500 like any other.
    enqueue(pools_id, pool, token).await.unwrap_or_else(|_| {
        let lost =
            diesel::result::Error::QueryBuilderError("the shared session read was lost".into());
        Err(Arc::new(StoreError::Db(lost)))
    })
}

/// Queues the read, starting a batch task if none runs.
fn enqueue(pools_id: u64, pool: DbPool, token: &str) -> oneshot::Receiver<Answer> {
    let (tx, rx) = oneshot::channel();
    let queue = QUEUES.with(|queues| {
        let mut queues = queues.borrow_mut();
        if let Some((_, queue)) = queues.iter().find(|(id, _)| *id == pools_id) {
            return Rc::clone(queue);
        }
        let queue = Rc::<RefCell<Queue>>::default();
        queues.push((pools_id, Rc::clone(&queue)));
        queue
    });
    let idle = {
        let mut q = queue.borrow_mut();
        q.waiting.push((token.to_owned(), tx));
        !std::mem::replace(&mut q.running, true)
    };
    if idle {
        actix_web::rt::spawn(run(pool, queue));
    }
    rx
}

/// Sends what is waiting, batch after batch, until the queue is empty.
async fn run(pool: DbPool, queue: Rc<RefCell<Queue>>) {
    let _running = Running(Rc::clone(&queue));
    while let Some(batch) = next_batch(&queue) {
        let tokens: Vec<&str> = batch.iter().map(|(token, _)| token.as_str()).collect();
        match read(&pool, &tokens).await {
            Ok(rows) => {
                let by_token: HashMap<&str, &(Session, User)> =
                    rows.iter().map(|row| (row.0.token.as_str(), row)).collect();
                for (token, tx) in batch {
                    // A reader that went away meanwhile no longer wants its answer.
                    let _ = tx.send(Ok(by_token.get(token.as_str()).map(|&row| row.clone())));
                }
            }
            Err(e) => {
                let e = Arc::new(e);
                for (_, tx) in batch {
                    let _ = tx.send(Err(Arc::clone(&e)));
                }
            }
        }
    }
}

/// Up to [`MAX_BATCH`] of the waiting reads, oldest first; `None` when none wait.
fn next_batch(queue: &RefCell<Queue>) -> Option<Vec<(String, oneshot::Sender<Answer>)>> {
    let mut q = queue.borrow_mut();
    let n = q.waiting.len().min(MAX_BATCH);
    (n > 0).then(|| q.waiting.drain(..n).collect())
}

/// Marks the queue idle when its batch task ends, returns or not: a task dropped mid-query (the
/// runtime shutting down) or a panic drops the waiting readers' senders, which answers them.
struct Running(Rc<RefCell<Queue>>);

impl Drop for Running {
    fn drop(&mut self) {
        let mut q = self.0.borrow_mut();
        q.running = false;
        q.waiting.clear();
    }
}

/// One query for every token, on a connection of the pool.
async fn read(pool: &DbPool, tokens: &[&str]) -> Result<Vec<(Session, User)>, StoreError> {
    let mut conn = pool.get().await?;
    Ok(crate::db_run!(&mut conn, c => {
        session::table
            .inner_join(user::table)
            .filter(session::token.eq_any(tokens))
            .select((Session::as_select(), User::as_select()))
            .load(c)
            .await
    })?)
}

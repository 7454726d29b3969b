//! A fixed set of hashing threads fed by a bounded queue. Each thread owns its [`Scratch`], so
//! memory follows the number of threads, not the number of sign-ins (with `spawn_blocking`, every
//! blocking thread that ever ran argon2 kept its 19 MiB in its own glibc arena).
//!
//! A job goes to the thread that went idle last. Sign-ins that come one at a time then all run on
//! one thread, and only as many threads' scratch memory is ever touched as sign-ins overlapped:
//! a server that sees them one by one holds one 19 MiB scratch, not one per thread.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;

use thread_priority::{ThreadPriority, ThreadPriorityValue, set_current_thread_priority};
use tokio::sync::oneshot;

use super::kdf::Scratch;

/// Jobs that may wait per hashing thread; past that a request fails fast instead of waiting seconds.
pub const QUEUE_PER_THREAD: usize = 256;

type Job = Box<dyn FnOnce(&mut Scratch) + Send>;

/// Why a hash could not run.
#[derive(Debug, thiserror::Error)]
pub enum HashPoolError {
    #[error("the password hashing queue is full")]
    QueueFull,
    #[error("the password hashing threads are gone")]
    Stopped,
}

/// The queue and its threads; the threads end when the pool is dropped, once the queue is empty.
pub struct HashPool {
    shared: Arc<Shared>,
    /// Jobs queued or running.
    depth: Arc<AtomicUsize>,
    threads: usize,
}

/// What the pool and its threads share.
struct Shared {
    state: Mutex<State>,
    /// One per thread, each waiting on its own: a job wakes the thread that went idle last.
    wake: Vec<Condvar>,
    capacity: usize,
}

#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    /// The idle threads, the one that went idle last at the end.
    idle: Vec<usize>,
    /// The pool was dropped: threads end when no job is left.
    closed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next job for thread `me`, waiting idle for one; `None` once the pool is closed and empty.
    fn next(&self, me: usize) -> Option<Job> {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                state.idle.retain(|&t| t != me);
                return Some(job);
            }
            if state.closed {
                return None;
            }
            if !state.idle.contains(&me) {
                state.idle.push(me);
            }
            state = self.wake[me]
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl HashPool {
    /// Starts `threads` hashing threads with room for `threads * QUEUE_PER_THREAD` waiting jobs.
    pub fn start(threads: usize) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            wake: (0..threads).map(|_| Condvar::new()).collect(),
            capacity: threads * QUEUE_PER_THREAD,
        });
        let depth = Arc::new(AtomicUsize::new(0));
        for i in 0..threads {
            let shared = shared.clone();
            thread::Builder::new()
                .name(format!("password-hash-{i}"))
                .spawn(move || work(&shared, i))?;
        }
        Ok(Self {
            shared,
            depth,
            threads,
        })
    }

    /// Runs `job` on a hashing thread and waits for it without blocking the executor.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Scratch) -> T + Send + 'static,
    ) -> Result<T, HashPoolError> {
        // A job that panicked dropped its sender while unwinding.
        self.submit(job)?.await.map_err(|_| HashPoolError::Stopped)
    }

    /// Queues `job` without waiting for room; its result arrives on the returned channel.
    fn submit<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Scratch) -> T + Send + 'static,
    ) -> Result<oneshot::Receiver<T>, HashPoolError> {
        let mut state = self.shared.lock();
        if state.jobs.len() >= self.shared.capacity {
            return Err(HashPoolError::QueueFull);
        }
        let (done, result) = oneshot::channel();
        let counted = Counted::new(&self.depth);
        state.jobs.push_back(Box::new(move |scratch| {
            let output = job(scratch);
            drop(counted);
            // The caller may have gone (client disconnected); the work is done either way.
            let _ = done.send(output);
        }));
        if let Some(last_idle) = state.idle.pop() {
            self.shared.wake[last_idle].notify_one();
        }
        Ok(result)
    }

    /// Jobs waiting or running.
    pub fn depth(&self) -> usize {
        self.depth.load(Ordering::Relaxed)
    }

    /// The number of hashing threads.
    pub fn threads(&self) -> usize {
        self.threads
    }
}

impl Drop for HashPool {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.iter().for_each(Condvar::notify_all);
    }
}

/// One job in the depth count, from its queueing until it finishes, panics or is refused.
struct Counted(Arc<AtomicUsize>);

impl Counted {
    fn new(depth: &Arc<AtomicUsize>) -> Self {
        depth.fetch_add(1, Ordering::Relaxed);
        Self(depth.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Niceness 10 on Linux (`Crossplatform` maps 0..=99 onto niceness 19..=-20): a scheduler weight of
/// 110 against the async workers' 1024.
const HASHING_PRIORITY: u8 = 22;

/// Puts the calling thread below the async workers: when both want a core, `get-session` answers
/// first; idle cores still go to hashing, so sign-in throughput is unchanged on a quiet machine.
fn lower_priority() {
    let lowered = ThreadPriorityValue::try_from(HASHING_PRIORITY)
        .map_err(|e| e.to_string())
        .and_then(|value| {
            set_current_thread_priority(ThreadPriority::Crossplatform(value))
                .map_err(|e| format!("{e:?}"))
        });
    if let Err(error) = lowered {
        tracing::warn!(
            error,
            "could not lower the password hashing thread's priority"
        );
    }
}

/// One hashing thread: takes jobs until the pool is dropped and its queue is empty.
fn work(shared: &Shared, me: usize) {
    lower_priority();
    let mut scratch = Scratch::default();
    while let Some(job) = shared.next(me) {
        if catch_unwind(AssertUnwindSafe(|| job(&mut scratch))).is_err() {
            tracing::error!("a password hashing job panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn jobs_from_many_tasks_run_on_no_more_than_the_configured_threads() {
        let pool = Arc::new(HashPool::start(2).unwrap());
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    pool.run(move |_| (i * 2, thread::current().name().map(str::to_owned)))
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut names = HashSet::new();
        for (i, task) in tasks.into_iter().enumerate() {
            let (doubled, name) = task.await.unwrap();
            assert_eq!(doubled, i * 2);
            names.insert(name.unwrap());
        }
        assert!(names.len() <= 2, "{names:?}");
        assert!(names.iter().all(|n| n.starts_with("password-hash-")));
        assert_eq!(pool.depth(), 0);
    }

    /// Waits until every thread of `pool` waits for a job.
    fn until_all_idle(pool: &HashPool) {
        let started = Instant::now();
        while pool.shared.lock().idle.len() < pool.threads {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "threads never idle"
            );
            thread::sleep(Duration::from_millis(1));
        }
    }

    #[tokio::test]
    async fn jobs_one_at_a_time_all_run_on_the_thread_that_went_idle_last() {
        let pool = HashPool::start(4).unwrap();
        let mut names = HashSet::new();
        for _ in 0..20 {
            until_all_idle(&pool);
            let name = pool.run(|_| thread::current().name().map(str::to_owned));
            names.insert(name.await.unwrap().unwrap());
        }
        assert_eq!(names.len(), 1, "{names:?}");
        // Two at once take two threads.
        until_all_idle(&pool);
        let (release, gate) = mpsc::channel::<()>();
        let blocked = pool
            .submit(move |_| {
                gate.recv().unwrap();
                thread::current().name().map(str::to_owned)
            })
            .unwrap();
        let other = pool.run(|_| thread::current().name().map(str::to_owned));
        let other = other.await.unwrap();
        release.send(()).unwrap();
        assert_ne!(blocked.await.unwrap(), other);
    }

    #[test]
    fn dropping_the_pool_ends_its_threads_after_the_queued_jobs() {
        let pool = HashPool::start(2).unwrap();
        let (ran, runs) = mpsc::channel::<()>();
        for _ in 0..8 {
            let ran = ran.clone();
            drop(pool.submit(move |_| ran.send(()).unwrap()).unwrap());
        }
        let shared = Arc::downgrade(&pool.shared);
        drop((pool, ran));
        assert_eq!(runs.iter().count(), 8);
        let started = Instant::now();
        while shared.strong_count() > 0 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "threads still running"
            );
            thread::sleep(Duration::from_millis(1));
        }
    }

    #[tokio::test]
    #[cfg(target_os = "linux")]
    async fn hashing_threads_run_at_niceness_10_or_lower_priority() {
        let pool = HashPool::start(1).unwrap();
        let stat = pool
            .run(|_| std::fs::read_to_string("/proc/thread-self/stat").unwrap())
            .await
            .unwrap();
        // Field 19 is the niceness; the command name (field 2) is parenthesized and may hold spaces.
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        let nice: i32 = after_name.split(' ').nth(16).unwrap().parse().unwrap();
        // A runner already niced past 10 stays there: raising priority needs privileges.
        assert!(nice >= 10, "{stat}");
    }

    #[tokio::test]
    async fn a_full_queue_is_an_error_and_the_depth_counts_waiting_and_running_jobs() {
        let pool = HashPool::start(1).unwrap();
        let (release, gate) = mpsc::channel::<()>();
        let (started_tx, started) = mpsc::channel::<()>();
        let running = pool
            .submit(move |_| {
                started_tx.send(()).unwrap();
                gate.recv().unwrap();
            })
            .unwrap();
        started.recv().unwrap();
        let waiting: Vec<_> = (0..QUEUE_PER_THREAD)
            .map(|i| pool.submit(move |_| i).unwrap())
            .collect();
        assert_eq!(pool.depth(), QUEUE_PER_THREAD + 1);
        assert!(matches!(pool.submit(|_| ()), Err(HashPoolError::QueueFull)));
        assert_eq!(pool.depth(), QUEUE_PER_THREAD + 1);
        release.send(()).unwrap();
        running.await.unwrap();
        for (i, result) in waiting.into_iter().enumerate() {
            assert_eq!(result.await.unwrap(), i);
        }
        assert_eq!(pool.depth(), 0);
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error_and_the_thread_keeps_working() {
        let pool = HashPool::start(1).unwrap();
        let panicked = pool.run(|_| panic!("boom")).await;
        assert!(matches!(panicked, Err(HashPoolError::Stopped)));
        assert_eq!(pool.run(|_| 42).await.unwrap(), 42);
    }
}

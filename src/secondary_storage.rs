//! Better Auth's `secondaryStorage` on Redis, as the official `@better-auth/redis-storage` adapter
//! implements it: every key carries the prefix, `set` with a TTL is `SETEX`, `getAndDelete` is
//! `GETDEL`, `increment` is a Lua `INCR` that sets the TTL only on a new counter.
//!
//! One multiplexed connection (`redis`'s `ConnectionManager`) serves every worker; it connects
//! lazily and reconnects by itself. Every command is bounded by the configured timeout, so a
//! down or hung Redis answers [`KvError`] fast (a 503), never a hung request.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::ExposeSecret as _;

use crate::config::SecondaryStorageConfig;

/// Why a command failed: Redis is unreachable, too slow, or answered an error. Always an outage.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("secondary storage timed out after {0:?}")]
    Timeout(Duration),
    #[error("secondary storage: {0}")]
    Redis(#[from] redis::RedisError),
}

/// `@better-auth/redis-storage`'s increment script.
const INCREMENT: &str = r#"
local value = redis.call("INCR", KEYS[1])
if value == 1 then
  redis.call("EXPIRE", KEYS[1], ARGV[1])
end
return value
"#;

/// The Redis handle, shared by every worker.
pub struct SecondaryStorage {
    manager: ConnectionManager,
    prefix: String,
    timeout: Duration,
    increment: redis::Script,
    down: AtomicBool,
}

impl std::fmt::Debug for SecondaryStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondaryStorage")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SecondaryStorage {
    /// A handle that connects on first use (the server starts while Redis is down). Must be
    /// called within a Tokio runtime.
    pub fn new(config: &SecondaryStorageConfig) -> Result<Self, KvError> {
        let client = redis::Client::open(config.url.expose_secret())?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.timeout))
            .set_response_timeout(Some(config.timeout))
            .set_number_of_retries(1)
            .set_max_delay(config.timeout);
        Ok(Self {
            manager: ConnectionManager::new_lazy_with_config(client, manager_config)?,
            prefix: config.prefix.clone(),
            timeout: config.timeout,
            increment: redis::Script::new(INCREMENT),
            down: AtomicBool::new(false),
        })
    }

    /// The stored key of `key`.
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    async fn run<T>(&self, op: impl Future<Output = redis::RedisResult<T>>) -> Result<T, KvError> {
        let result = match tokio::time::timeout(self.timeout, op).await {
            Ok(r) => r.map_err(KvError::from),
            Err(_) => Err(KvError::Timeout(self.timeout)),
        };
        match &result {
            Ok(_) if self.down.swap(false, Ordering::Relaxed) => {
                tracing::info!("secondary storage reachable again");
            }
            Err(e) if !self.down.swap(true, Ordering::Relaxed) => {
                tracing::error!(error = %e, "secondary storage unavailable; answering 503 until it is back");
            }
            _ => {}
        }
        result
    }

    /// `get`: the value, or `None`.
    pub async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        let cmd = redis::cmd("GET").arg(self.key(key)).clone();
        self.run(cmd.query_async(&mut self.manager.clone())).await
    }

    /// `set`: `SETEX` when `ttl_secs > 0`, else `SET` without expiry (as the official adapter).
    pub async fn set(&self, key: &str, value: &str, ttl_secs: u64) -> Result<(), KvError> {
        let cmd = match ttl_secs {
            0 => redis::cmd("SET").arg(self.key(key)).arg(value).clone(),
            ttl => redis::cmd("SETEX")
                .arg(self.key(key))
                .arg(ttl)
                .arg(value)
                .clone(),
        };
        self.run(cmd.query_async(&mut self.manager.clone())).await
    }

    /// `delete`.
    pub async fn delete(&self, key: &str) -> Result<(), KvError> {
        let cmd = redis::cmd("DEL").arg(self.key(key)).clone();
        self.run(cmd.query_async::<i64>(&mut self.manager.clone()))
            .await
            .map(drop)
    }

    /// `getAndDelete`: `GETDEL` (Redis 6.2 and later).
    pub async fn get_and_delete(&self, key: &str) -> Result<Option<String>, KvError> {
        let cmd = redis::cmd("GETDEL").arg(self.key(key)).clone();
        self.run(cmd.query_async(&mut self.manager.clone())).await
    }

    /// `increment`: the counter after adding one; a new counter expires after `ttl_secs`.
    pub async fn increment(&self, key: &str, ttl_secs: u64) -> Result<u64, KvError> {
        let mut invocation = self.increment.key(self.key(key));
        invocation.arg(ttl_secs.max(1));
        let mut conn = self.manager.clone();
        self.run(async move { invocation.invoke_async(&mut conn).await })
            .await
    }

    /// `PING`, for readiness.
    pub async fn ping(&self) -> Result<(), KvError> {
        let cmd = redis::cmd("PING").clone();
        self.run(cmd.query_async::<String>(&mut self.manager.clone()))
            .await
            .map(drop)
    }
}

//! Servers on Better Auth's `secondaryStorage`: the Redis at 127.0.0.1:6379 (or `TEST_REDIS_URL`),
//! with a key prefix of each test's own so tests run in parallel, and a client to read the keys.

use std::time::Duration;

use better_auth_actix::config::{Config, SecondaryStorageConfig, SessionStorageMode};
use redis::AsyncCommands as _;
use serde_json::Value;

use super::TestApp;

/// The Redis the tests share.
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
}

/// A fresh key prefix: `bat-<random>:`.
pub fn random_prefix() -> String {
    let id =
        better_auth_actix::auth::crypto::random_string(12, b"abcdefghijklmnopqrstuvwxyz0123456789");
    format!("bat-{id}:")
}

/// Secondary storage at `url` under `prefix`, sessions stored as `mode` says.
pub fn use_redis(config: &mut Config, url: &str, prefix: &str, mode: SessionStorageMode) {
    config.secondary_storage = Some(SecondaryStorageConfig {
        url: url.to_owned().into(),
        prefix: prefix.to_owned(),
        timeout: Duration::from_millis(500),
        mode,
    });
}

/// What a test reads from (and writes to) Redis, under its server's prefix.
pub struct Kv {
    conn: redis::aio::MultiplexedConnection,
    pub prefix: String,
}

impl Kv {
    pub async fn connect(prefix: &str) -> Self {
        let client = redis::Client::open(redis_url()).unwrap();
        let conn = client.get_multiplexed_async_connection().await.unwrap();
        Self {
            conn,
            prefix: prefix.to_owned(),
        }
    }

    /// The raw value of `key` (without the prefix).
    pub async fn get(&self, key: &str) -> Option<String> {
        self.conn
            .clone()
            .get(format!("{}{key}", self.prefix))
            .await
            .unwrap()
    }

    /// The value of `key` as JSON.
    pub async fn json(&self, key: &str) -> Option<Value> {
        self.get(key)
            .await
            .map(|v| serde_json::from_str(&v).unwrap())
    }

    /// The TTL of `key` in seconds (`-2`: no key, `-1`: no expiry).
    pub async fn ttl(&self, key: &str) -> i64 {
        self.conn
            .clone()
            .ttl(format!("{}{key}", self.prefix))
            .await
            .unwrap()
    }

    pub async fn set(&self, key: &str, value: &str, ttl: u64) {
        let _: () = self
            .conn
            .clone()
            .set_ex(format!("{}{key}", self.prefix), value, ttl)
            .await
            .unwrap();
    }

    pub async fn delete(&self, key: &str) {
        let _: i64 = self
            .conn
            .clone()
            .del(format!("{}{key}", self.prefix))
            .await
            .unwrap();
    }

    /// Every key under the prefix, without it, sorted.
    pub async fn keys(&self) -> Vec<String> {
        let keys: Vec<String> = self
            .conn
            .clone()
            .keys(format!("{}*", self.prefix))
            .await
            .unwrap();
        let mut keys: Vec<String> = keys
            .iter()
            .map(|k| k[self.prefix.len()..].to_owned())
            .collect();
        keys.sort();
        keys
    }
}

impl Drop for Kv {
    /// Deletes the test's keys (sessions would otherwise linger for a week).
    fn drop(&mut self) {
        let pattern = format!("{}*", self.prefix);
        let clean = move || -> redis::RedisResult<()> {
            let mut conn = redis::Client::open(redis_url())?.get_connection()?;
            let keys: Vec<String> = redis::cmd("KEYS").arg(&pattern).query(&mut conn)?;
            if !keys.is_empty() {
                redis::cmd("DEL").arg(keys).query::<()>(&mut conn)?;
            }
            Ok(())
        };
        let _ = std::thread::spawn(clean).join();
    }
}

impl TestApp {
    /// A server on a fresh database and on Redis under a fresh prefix, sessions kept as `mode`
    /// says; and the client that reads its keys.
    pub async fn spawn_on_redis(mode: SessionStorageMode) -> (Self, Kv) {
        Self::spawn_on_redis_with(mode, |_| {}).await
    }

    /// As [`Self::spawn_on_redis`], after letting the test adjust the configuration.
    pub async fn spawn_on_redis_with(
        mode: SessionStorageMode,
        adjust: impl FnOnce(&mut Config),
    ) -> (Self, Kv) {
        let prefix = random_prefix();
        let app = Self::spawn_with(|config| {
            use_redis(config, &redis_url(), &prefix, mode);
            adjust(config);
        })
        .await;
        (app, Kv::connect(&prefix).await)
    }
}

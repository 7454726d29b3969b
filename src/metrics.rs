//! Prometheus metrics: one registry per server (no globals, so test servers never share counts),
//! rendered in the text exposition format for `/metrics`.
//!
//! Labels are bounded: routes are patterns (`/api/tasks/{id}`), never raw paths; methods outside
//! the standard set are `OTHER`.

use std::time::Duration;

use anyhow::Context as _;
use prometheus::{
    Encoder as _, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry, TextEncoder,
};

/// The route label of a request no route matched.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Latency buckets in seconds: from a cached session lookup (~1 ms) to a queued argon2 sign-in.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Values read when `/metrics` is scraped.
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshot {
    /// deadpool's `Status`: open connections, idle ones, and requests waiting for one.
    pub pool_size: usize,
    pub pool_available: usize,
    pub pool_waiting: usize,
    pub pool_max_size: usize,
    /// Password hashes queued or running, and the threads running them.
    pub hash_queue_depth: usize,
    pub hash_threads: usize,
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    rate_limited: IntCounter,
    pool: IntGaugeVec,
    hash_queue_depth: IntGauge,
    hash_threads: IntGauge,
}

impl Metrics {
    /// Registers every metric in a fresh registry.
    pub fn new() -> anyhow::Result<Self> {
        let labels = ["method", "route", "status"];
        let metrics = Self {
            registry: Registry::new(),
            requests: IntCounterVec::new(
                Opts::new("http_requests_total", "HTTP requests answered"),
                &labels,
            )?,
            latency: HistogramVec::new(
                HistogramOpts::new(
                    "http_request_duration_seconds",
                    "Time from receiving a request to its response head",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
                &labels,
            )?,
            rate_limited: IntCounter::new(
                "rate_limit_rejections_total",
                "Requests answered 429 by the /api/auth rate limiter",
            )?,
            pool: IntGaugeVec::new(
                Opts::new(
                    "db_pool_connections",
                    "Database pool: size (open), available (idle), waiting (requests queued), max",
                ),
                &["state"],
            )?,
            hash_queue_depth: IntGauge::new(
                "password_hash_queue_depth",
                "Password hashes queued or running",
            )?,
            hash_threads: IntGauge::new("password_hash_threads", "Password hashing threads")?,
        };
        let r = &metrics.registry;
        r.register(Box::new(metrics.requests.clone()))?;
        r.register(Box::new(metrics.latency.clone()))?;
        r.register(Box::new(metrics.rate_limited.clone()))?;
        r.register(Box::new(metrics.pool.clone()))?;
        r.register(Box::new(metrics.hash_queue_depth.clone()))?;
        r.register(Box::new(metrics.hash_threads.clone()))?;
        Ok(metrics)
    }

    /// Counts one answered request; `route` is its pattern or [`UNMATCHED_ROUTE`].
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let status = status.to_string();
        let labels = [method_label(method), route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Counts one 429 from the rate limiter.
    pub fn count_rate_limited(&self) {
        self.rate_limited.inc();
    }

    /// The text exposition of every metric, with the gauges set from `snapshot`.
    pub fn render(&self, snapshot: Snapshot) -> anyhow::Result<String> {
        let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        for (state, value) in [
            ("size", snapshot.pool_size),
            ("available", snapshot.pool_available),
            ("waiting", snapshot.pool_waiting),
            ("max", snapshot.pool_max_size),
        ] {
            self.pool.with_label_values(&[state]).set(gauge(value));
        }
        self.hash_queue_depth.set(gauge(snapshot.hash_queue_depth));
        self.hash_threads.set(gauge(snapshot.hash_threads));
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .context("encoding metrics")?;
        String::from_utf8(out).context("metrics are not UTF-8")
    }
}

/// The content type of [`Metrics::render`]'s output.
pub fn content_type() -> &'static str {
    prometheus::TEXT_FORMAT
}

/// Standard methods keep their name; anything else (extension methods are unbounded) is `OTHER`.
fn method_label(method: &str) -> &str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN.into_iter().find(|m| *m == method).unwrap_or("OTHER")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_method_route_and_status_and_odd_methods_are_other() {
        let metrics = Metrics::new().unwrap();
        let elapsed = Duration::from_millis(3);
        metrics.observe_request("GET", "/api/tasks/{id}", 200, elapsed);
        metrics.observe_request("GET", "/api/tasks/{id}", 200, elapsed);
        metrics.observe_request("BREW", UNMATCHED_ROUTE, 404, elapsed);
        metrics.count_rate_limited();
        let text = metrics.render(Snapshot::default()).unwrap();
        assert!(text.contains(
            r#"http_requests_total{method="GET",route="/api/tasks/{id}",status="200"} 2"#
        ));
        assert!(
            text.contains(
                r#"http_requests_total{method="OTHER",route="unmatched",status="404"} 1"#
            )
        );
        assert!(text.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/api/tasks/{id}",status="200",le="0.005"} 2"#));
        assert!(text.contains("rate_limit_rejections_total 1"));
        assert!(text.contains(r#"db_pool_connections{state="waiting"} 0"#));
        assert!(text.contains("password_hash_queue_depth 0"));
    }
}

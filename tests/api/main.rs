//! The integration tests, one binary: the real server on a random port against a database of its
//! own per test (PostgreSQL, or a SQLite file with `TEST_DATABASE=sqlite`; `helpers`), driven
//! over HTTP.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail the test by panicking, as `#[test]` functions do"
)]

mod auth;
mod cancellation;
mod cli;
mod db;
mod helpers;
mod hostile_input;
mod metrics;
mod openapi;
mod outage;
mod redis;
mod shutdown;
mod sqlite;
mod tasks;

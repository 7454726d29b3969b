//! The integration tests, one binary: the real server on a random port against a PostgreSQL
//! database of its own per test (`helpers`), driven over HTTP.

mod auth;
mod cli;
mod db;
mod helpers;
mod hostile_input;
mod metrics;
mod openapi;
mod outage;
mod shutdown;
mod tasks;

//! better-auth-actix: a drop-in Better Auth 1.7 server and a task API on Actix-web, Diesel and PostgreSQL.

pub mod auth;
pub mod completion;
pub mod config;
pub mod db;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod request_log;
pub mod routes;
pub mod secondary_storage;
pub mod startup;
pub mod state;
pub mod tasks;
pub mod telemetry;
pub mod text;
pub mod transport;
pub mod wire;

//! The task API under `/api/tasks` and `/api/{user_id}/tasks`.

mod auth;
mod concurrency;
mod crud;
mod list;
mod migration;
mod ownership;
mod validation;

//! The task domain: parsed task input (`content` for the text fields, `input` for whole bodies),
//! list parameters, and owner-scoped queries. Nothing here sees an Actix request or decides an HTTP
//! status; every query takes the owner's id and filters on it.

pub mod content;
pub mod input;
pub mod list;
pub mod queries;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A task's priority; sorts `high > medium > low`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Medium,
    High,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 3] = [Priority::Low, Priority::Medium, Priority::High];

    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
        }
    }

    /// Parses the exact wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

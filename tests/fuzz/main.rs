//! Property-based fuzzing of the parsers that see raw client input, one module per target:
//! `cookies`, `bearer`, `jwt`, `body`, `list`, `task_input`.
//!
//! Each target replays its seed corpus (`tests/fuzz-corpus/<target>/`) as is, then runs properties
//! over generated input: mostly its seeds with a few byte-level edits, plus random bytes. None may
//! panic, accept a forged credential, or answer with anything but a value or a documented error.
//! Every property runs `PROPTEST_CASES` cases (default 512), so a run is bounded:
//! `cargo test --test fuzz` (all targets), `cargo test --test fuzz jwt::` (one), and
//! `PROPTEST_CASES=100000 cargo test --release --test fuzz` for a longer hunt. A failing input
//! is printed, not saved: add it to the target's corpus (`make_seeds.py`) with the fix.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail the test by panicking, as `#[test]` functions do"
)]

mod bearer;
mod body;
mod cookies;
mod jwt;
mod list;
mod support;
mod task_input;

//! The binary's start-up checks and subcommands.

use std::process::Command;

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_better-auth-actix"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command.current_dir(std::env::temp_dir()); // no stray .env
    command
}

#[test]
fn a_secret_shorter_than_32_characters_stops_the_server_with_a_message() {
    let output = binary()
        .args(["serve", "--no-migrate"])
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
        .env("BETTER_AUTH_SECRET", "too-short")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("BETTER_AUTH_SECRET") && stderr.contains("at least 32 characters"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("too-short"),
        "the secret itself is never printed"
    );
}

#[test]
fn an_invalid_value_names_its_variable() {
    let output = binary()
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
        .env("BETTER_AUTH_SECRET", "0123456789abcdef0123456789abcdef")
        .env("PASSWORD_HASHER", "md5")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("PASSWORD_HASHER"));
}

#[test]
fn help_lists_the_subcommands_and_the_environment() {
    let output = binary().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for word in [
        "serve",
        "migrate",
        "openapi",
        "DATABASE_URL",
        "BETTER_AUTH_SECRET",
        "PASSWORD_HASHER",
    ] {
        assert!(help.contains(word), "missing {word}");
    }
}

#[test]
fn the_openapi_subcommand_prints_an_openapi_3_1_document() {
    let output = binary().arg("openapi").output().unwrap();
    assert!(output.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/api/auth/sign-in/email"]["post"].is_object());
}

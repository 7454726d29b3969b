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

/// A directory of its own, as a fresh clone would be.
fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "bat-cli-{name}-{}-{}",
        std::process::id(),
        better_auth_actix::auth::crypto::random_string(6, b"abcdefghijklmnopqrstuvwxyz")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The server with nothing configured but a port, started in `dir`; killed on drop.
struct Serving(std::process::Child, String);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve_unconfigured(dir: &std::path::Path) -> Serving {
    let port = crate::helpers::free_port();
    let child = binary()
        .current_dir(dir)
        .env("PORT", port.to_string())
        .stderr(std::process::Stdio::null())
        .stdout(std::process::Stdio::from(
            std::fs::File::options()
                .create(true)
                .append(true)
                .open(dir.join("server.log"))
                .unwrap(),
        ))
        .spawn()
        .unwrap();
    let serving = Serving(child, format!("http://127.0.0.1:{port}"));
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("{}/health", serving.1))
            .send()
            .await
            .is_ok()
        {
            return serving;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

#[tokio::test]
async fn with_nothing_configured_it_serves_from_an_embedded_sqlite_file_and_a_restart_keeps_everything()
 {
    let dir = fresh_dir("embedded");
    let server = serve_unconfigured(&dir).await;
    let client = reqwest::Client::new();
    let signed_up = client
        .post(format!("{}/api/auth/sign-up/email", server.1))
        .header("origin", "http://localhost:3000")
        .json(&serde_json::json!({"name": "Ann", "email": "ann@example.com", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 200);
    let cookie: Vec<String> = signed_up
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect();
    let cookie = cookie.join("; ");
    let token = signed_up.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = client
        .post(format!("{}/api/tasks", server.1))
        .bearer_auth(&token)
        .json(&serde_json::json!({"title": "kept"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    drop(server);

    // The database and the generated secret are beside each other, the secret private.
    assert!(dir.join("better-auth.db").exists());
    let secret = dir.join("better-auth.db.secret");
    let stored = std::fs::read_to_string(&secret).unwrap();
    assert!(stored.trim().len() >= 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap();
    assert!(log.contains("embedded SQLite"), "{log}");
    assert!(log.contains("better-auth.db.secret"), "{log}");
    assert!(!log.contains(stored.trim()), "the secret is never logged");

    // Restarted: the same secret, so the signed cookie, the session and the task are all there.
    let server = serve_unconfigured(&dir).await;
    let session = client
        .get(format!("{}/api/auth/get-session", server.1))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 200);
    let session: serde_json::Value = session.json().await.unwrap();
    assert_eq!(session["user"]["email"], "ann@example.com");
    let tasks: serde_json::Value = client
        .get(format!("{}/api/tasks", server.1))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tasks[0]["title"], "kept");
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), stored);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn migrate_creates_a_sqlite_file_where_the_url_says_and_is_idempotent() {
    let dir = fresh_dir("migrate");
    let run = || {
        binary()
            .current_dir(&dir)
            .arg("migrate")
            .env("DATABASE_URL", "sqlite://data/app.db")
            .env("BETTER_AUTH_SECRET", "0123456789abcdef0123456789abcdef")
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(dir.join("data/app.db").exists());
    assert!(String::from_utf8_lossy(&first.stdout).contains("20261124000002"));
    let again = run();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("applied=[]"));
    // A configured secret: nothing is generated.
    assert!(!dir.join("data/app.db.secret").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_in_memory_or_unknown_database_url_is_refused_by_name() {
    for url in ["sqlite://:memory:", "mysql://localhost/db"] {
        let output = binary()
            .env("DATABASE_URL", url)
            .env("BETTER_AUTH_SECRET", "0123456789abcdef0123456789abcdef")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{url}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("DATABASE_URL"));
    }
}

#[test]
fn with_postgresql_a_missing_secret_still_stops_the_server() {
    let output = binary()
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("BETTER_AUTH_SECRET"));
}

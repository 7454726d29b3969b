//! `SECONDARY_STORAGE_URL` with what production Redis URLs carry: a database number, an ACL user
//! and password, and TLS (`rediss://`). Each test runs a private `redis-server` of its own.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use better_auth_actix::config::SessionStorageMode;
use redis::AsyncCommands as _;

use crate::helpers::redis::{random_prefix, use_redis};
use crate::helpers::{TestApp, free_port};

/// A `redis-server` child process, stopped on drop.
struct PrivateRedis {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl PrivateRedis {
    /// Starts one with `args` added, and waits until it accepts connections on its port.
    fn start(name: &str, args: &[&str], tls: bool) -> Self {
        let dir = std::env::temp_dir().join(format!("bat-redis-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let port_arg = port.to_string();
        let mut command = Command::new("redis-server");
        command.args(["--save", "", "--appendonly", "no", "--bind", "127.0.0.1"]);
        command.arg("--dir").arg(&dir);
        if tls {
            command.args(["--port", "0", "--tls-port", &port_arg]);
        } else {
            command.args(["--port", &port_arg]);
        }
        let child = command
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port, dir }
    }
}

/// A password-protected Redis with an ACL user `bat` limited to nothing but what it needs.
fn redis_with_acl_user() -> PrivateRedis {
    let redis = PrivateRedis::start("acl", &["--requirepass", "admin-password"], false);
    let status = Command::new("redis-cli")
        .args([
            "-p",
            &redis.port.to_string(),
            "--no-auth-warning",
            "-a",
            "admin-password",
        ])
        .args([
            "ACL",
            "SETUSER",
            "bat",
            "on",
            ">user-password",
            "~*",
            "+@all",
        ])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    redis
}

async fn get(url: &str, key: &str) -> Option<String> {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    conn.get(key).await.unwrap()
}

/// A server whose sessions live only in the Redis at `url`; a user signed up on it, whose session
/// is read back from that Redis. Returns the server, the user and the key prefix.
async fn signed_up_on(url: &str) -> (TestApp, crate::helpers::TestUser, String) {
    let prefix = random_prefix();
    let app =
        TestApp::spawn_with(|c| use_redis(c, url, &prefix, SessionStorageMode::SecondaryOnly))
            .await;
    let alice = app.sign_up().await;
    assert_eq!(alice.get("/api/auth/get-session").await.status, 200);
    let stored = get(url, &format!("{prefix}{}", alice.token)).await;
    assert!(stored.is_some_and(|s| s.contains(&alice.id)));
    (app, alice, prefix)
}

#[tokio::test]
async fn an_acl_user_with_a_password_and_a_database_number_holds_the_sessions() {
    let redis = redis_with_acl_user();
    let url = format!("redis://bat:user-password@127.0.0.1:{}/5", redis.port);
    // The session is in database 5 of that Redis, under the prefix, and nowhere else.
    let (app, alice, prefix) = signed_up_on(&url).await;
    let db0 = format!("redis://bat:user-password@127.0.0.1:{}/0", redis.port);
    assert_eq!(get(&db0, &format!("{prefix}{}", alice.token)).await, None);
    assert_eq!(app.get("/ready").await.status, 200);
}

#[tokio::test]
async fn a_wrong_password_is_a_fast_503_never_a_hang() {
    let redis = redis_with_acl_user();
    let url = format!("redis://bat:not-the-password@127.0.0.1:{}/5", redis.port);
    let prefix = random_prefix();
    let app =
        TestApp::spawn_with(|c| use_redis(c, &url, &prefix, SessionStorageMode::SecondaryOnly))
            .await;
    let started = Instant::now();
    let reply = app
        .post(
            "/api/auth/sign-up/email",
            &serde_json::json!({"name": "A", "email": crate::helpers::random_email(), "password": crate::helpers::PASSWORD}),
        )
        .await;
    assert_eq!(reply.status, 503, "{}", reply.text);
    assert_eq!(reply.json()["code"], "SERVICE_UNAVAILABLE");
    assert!(
        !reply.text.contains("not-the-password"),
        "no secret in the body"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(app.get("/ready").await.status, 503);
}

/// A CA and a server certificate for 127.0.0.1, made with the openssl CLI.
fn tls_files(dir: &std::path::Path) {
    let run = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "openssl {args:?}");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=bat-test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "san.ext",
        "-out",
        "server.crt",
    ]);
}

#[tokio::test]
async fn rediss_speaks_tls_with_a_password() {
    let dir = std::env::temp_dir().join(format!("bat-redis-tls-certs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    tls_files(&dir);
    let file = |name: &str| dir.join(name).display().to_string();
    let redis = PrivateRedis::start(
        "tls",
        &[
            "--tls-cert-file",
            &file("server.crt"),
            "--tls-key-file",
            &file("server.key"),
            "--tls-ca-cert-file",
            &file("ca.crt"),
            "--tls-auth-clients",
            "no",
            "--requirepass",
            "tls-password",
        ],
        true,
    );
    // The test CA is in no trust store: `#insecure` skips verifying the certificate only; the
    // connection is still TLS (a plain client gets nothing from this port).
    let url = format!("rediss://:tls-password@127.0.0.1:{}/3#insecure", redis.port);
    let _signed_up = signed_up_on(&url).await;
    let plain = format!("redis://:tls-password@127.0.0.1:{}/3", redis.port);
    let plain = redis::Client::open(plain).unwrap();
    let refused = tokio::time::timeout(
        Duration::from_secs(2),
        plain.get_multiplexed_async_connection(),
    )
    .await;
    assert!(
        !matches!(refused, Ok(Ok(_))),
        "a plain connection must not get through"
    );
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}

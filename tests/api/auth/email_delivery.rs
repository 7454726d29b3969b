//! E-mail delivery: the outbox default, SMTP message format, and that a broken or hanging mail
//! server never changes or delays a response.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use super::RESET_SENT;
use crate::helpers::{TestApp, TestResponse};

async fn eml_files(dir: &PathBuf, count: usize) -> Vec<String> {
    for _ in 0..100 {
        let files: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .map(|e| std::fs::read_to_string(e.path()).unwrap())
                    .collect()
            })
            .unwrap_or_default();
        if files.len() >= count {
            return files;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no .eml file in {}", dir.display());
}

async fn request_reset(app: &TestApp, email: &str) -> TestResponse {
    app.post("/api/auth/request-password-reset", &json!({"email": email}))
        .await
}

#[tokio::test]
async fn without_smtp_each_message_is_written_to_the_outbox_as_eml() {
    let dir = std::env::temp_dir().join(format!(
        "bat-outbox-{}",
        better_auth_actix::auth::crypto::generate_id(8)
    ));
    let outbox = dir.clone();
    let app = TestApp::spawn_with(move |c| c.email.outbox_dir = outbox).await;
    let email = app.sign_up().await.email;
    let response = request_reset(&app, &email).await;
    assert_eq!(response.text, RESET_SENT);
    let files = eml_files(&dir, 1).await;
    let message = &files[0];
    assert!(message.contains("Subject: Reset your password"));
    assert!(message.contains(&format!("To: {email}")));
    assert!(message.contains("Content-Type: text/plain"));
    assert!(message.contains("Content-Type: text/html"));
    assert!(message.contains("http://localhost:3000/api/auth/reset-password/"));
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn smtp_messages_come_from_email_from_with_a_text_and_an_html_part() {
    let (app, smtp) =
        TestApp::spawn_with_smtp(|c| c.email.from = "Example <auth@example.com>".into()).await;
    request_reset(&app, &app.sign_up().await.email).await;
    let message = smtp.next(0).await;
    assert_eq!(message.from, "auth@example.com");
    let data = message.unfolded();
    assert!(data.contains("From: Example <auth@example.com>"), "{data}");
    assert!(data.contains("multipart/alternative"));
    let link = message.link();
    assert!(
        data.contains(&format!("<a href=\"{link}\">")),
        "the HTML part links too"
    );
}

#[tokio::test]
async fn a_refusing_mail_server_does_not_change_the_response() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://{}", closed.local_addr().unwrap());
    drop(closed);
    let app = TestApp::spawn_with(move |c| c.email.smtp_url = Some(url.into())).await;
    let response = request_reset(&app, &app.sign_up().await.email).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.text, RESET_SENT);
}

#[tokio::test]
async fn a_hanging_mail_server_does_not_delay_the_response() {
    // Accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let app = TestApp::spawn_with(move |c| c.email.smtp_url = Some(url.into())).await;
    let email = app.sign_up().await.email;
    let response = tokio::time::timeout(Duration::from_secs(10), request_reset(&app, &email))
        .await
        .expect("the response must not wait for the mail server");
    assert_eq!(response.text, RESET_SENT);
}

//! A tiny SMTP server on loopback for end-to-end e-mail tests: EHLO/HELO, MAIL FROM, RCPT TO,
//! DATA, RSET, NOOP, QUIT; no AUTH, no TLS. Every message is kept for the test to read.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// One received message.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body), dot-unstuffed, with CRLF line ends.
    pub data: String,
}

impl Received {
    /// The `Subject` header.
    pub fn subject(&self) -> String {
        self.data
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_owned()
    }

    /// The message with quoted-printable soft line breaks and `=3D` undone, for searching.
    pub fn unfolded(&self) -> String {
        self.data.replace("=\r\n", "").replace("=3D", "=")
    }

    /// The first link into the auth API (`http://localhost:3000/api/auth/...`) in the message.
    pub fn link(&self) -> String {
        let text = self.unfolded();
        let start = text
            .find("http://localhost:3000/api/auth/")
            .unwrap_or_else(|| panic!("no link in message:\n{}", self.data));
        text[start..]
            .split(|c: char| c.is_whitespace() || c == '<' || c == '"')
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

/// A running SMTP listener.
pub struct SmtpServer {
    /// `smtp://127.0.0.1:<port>`, for `Config::email.smtp_url`.
    pub url: String,
    messages: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
}

impl SmtpServer {
    /// Starts listening on a free loopback port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let url = format!("smtp://{}", listener.local_addr().expect("addr"));
        let messages = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (store, notify) = (Arc::clone(&messages), Arc::clone(&arrived));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (store, notify) = (Arc::clone(&store), Arc::clone(&notify));
                tokio::spawn(async move {
                    let _ = serve(stream, store, notify).await;
                });
            }
        });
        Self {
            url,
            messages,
            arrived,
        }
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().expect("lock").clone()
    }

    /// Waits (up to 10 s) until `count` messages have arrived; returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.arrived.notified();
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("expected {count} message(s), got {}", self.messages().len());
            }
        }
    }

    /// Waits for the next message after the `seen` first ones.
    pub async fn next(&self, seen: usize) -> Received {
        self.wait_for(seen + 1).await[seen].clone()
    }

    /// Asserts no further message arrives within `wait` after the first `seen`.
    pub async fn assert_quiet(&self, seen: usize, wait: Duration) {
        tokio::time::sleep(wait).await;
        assert_eq!(
            self.messages().len(),
            seen,
            "unexpected email: {:?}",
            self.messages().last()
        );
    }
}

async fn serve(
    stream: TcpStream,
    store: Arc<Mutex<Vec<Received>>>,
    notify: Arc<Notify>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 localhost test SMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if upper.starts_with("RSET") {
            (from, to) = (String::new(), Vec::new());
            b"250 OK\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&command);
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&command));
            b"250 OK\r\n"
        } else if upper == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let data = read_data(&mut lines).await?;
            let message = Received {
                from: std::mem::take(&mut from),
                to: std::mem::take(&mut to),
                data,
            };
            store.lock().expect("lock").push(message);
            notify.notify_waiters();
            b"250 OK queued\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

fn address(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command.rfind('>').unwrap_or(command.len());
    command[start..end].to_owned()
}

async fn read_data(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 || line == ".\r\n" || line == ".\n" {
            return Ok(data);
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
    }
}

//! A response read whole ([`TestResponse`]), and [`Fetch`], which ends every request with one.

use std::future::Future;

use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

/// A response, read whole.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl TestResponse {
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a readable body");
        Self {
            status,
            headers,
            text,
        }
    }

    /// The body as JSON, in its key order; panics when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {:?}", self.status, self.text))
    }

    /// A header as a string.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Every `Set-Cookie` value, in order.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// `name=value` of each `Set-Cookie`, in order.
    pub fn cookie_pairs(&self) -> Vec<(String, String)> {
        self.cookies()
            .iter()
            .map(|c| {
                let first = c.split(';').next().unwrap_or_default();
                let (name, value) = first.split_once('=').expect("name=value");
                (name.to_owned(), value.to_owned())
            })
            .collect()
    }

    /// The `Cookie` header a browser sends back after this response.
    pub fn cookie_header(&self) -> String {
        self.cookie_pairs()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Sends a hand-built request and reads the response whole.
pub trait Fetch {
    fn fetch(self) -> impl Future<Output = TestResponse> + Send;
}

impl Fetch for RequestBuilder {
    async fn fetch(self) -> TestResponse {
        TestResponse::read(self.send().await.expect("request")).await
    }
}

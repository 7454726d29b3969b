//! Connection-level protection: a deadline on request bodies (a slow client gets 408 and its
//! connection closes), and draining at shutdown (every response then closes its connection, so no
//! client reuses a keep-alive connection that is about to go away).

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::{HttpMessage as _, web};
use futures_util::Stream;

use crate::state::AppState;

/// A request body stream, as `actix_web::dev::Payload::Stream` holds it.
type BoxedPayloadStream = Pin<Box<dyn Stream<Item = Result<web::Bytes, PayloadError>>>>;

/// Wraps the request body so that it must arrive within `REQUEST_TIMEOUT_SECS` of the request head.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let timeout = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.config.http.request_timeout);
    if let Some(timeout) = timeout {
        let payload = req.take_payload();
        if !matches!(payload, Payload::None) {
            let stream: BoxedPayloadStream = Box::pin(Deadline::new(payload, timeout));
            req.set_payload(Payload::Stream { payload: stream });
        }
    }
    next.call(req).await
}

/// Counts the requests in flight and, once the server is draining, marks every response
/// `Connection: close`.
pub async fn close_when_draining(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let _in_flight = state.as_ref().map(|s| s.drain.enter());
    let mut res = next.call(req).await?;
    if state.as_ref().is_some_and(|s| s.drain.is_draining()) {
        res.response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(res)
}

/// Graceful shutdown's bookkeeping: whether the server drains, and the requests in flight.
///
/// actix's own graceful stop closes a keep-alive connection without answering a request the
/// client has just sent on it (actix-http's `Flags::DRAINING`). So the server first stops
/// accepting, then answers every request with `Connection: close` until no request has started
/// for a quiet moment, and only then lets actix stop; see `startup::Application::run_until`.
#[derive(Debug, Default)]
pub struct Drain {
    draining: AtomicBool,
    in_flight: AtomicUsize,
    started: AtomicU64,
}

/// A request in flight; leaving (or being dropped when the client goes away) counts it out.
pub struct InFlight<'a>(&'a Drain);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Drain {
    /// Counts a request in.
    pub fn enter(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.started.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// Whether the server is shutting down.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// Starts draining: every later response closes its connection.
    pub fn start(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Waits until nothing is in flight and no request has started for `quiet`, or `limit` passes.
    pub async fn settle(&self, quiet: Duration, limit: Duration) {
        let give_up = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < give_up {
            let started = self.started.load(Ordering::Relaxed);
            if self.in_flight.load(Ordering::Relaxed) == 0 {
                tokio::time::sleep(quiet).await;
                if self.in_flight.load(Ordering::Relaxed) == 0
                    && self.started.load(Ordering::Relaxed) == started
                {
                    return;
                }
            } else {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Whether a body read failed because the body deadline passed.
pub fn is_timeout(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == io::ErrorKind::TimedOut)
}

/// A body stream that fails with `TimedOut` once its deadline passes.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Deadline {
    fn new(inner: Payload, timeout: Duration) -> Self {
        Self {
            inner,
            sleep: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

impl Stream for Deadline {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(PayloadError::Io(io::Error::new(
                io::ErrorKind::TimedOut,
                "request body not received in time",
            ))))),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;

    #[actix_web::test]
    async fn settling_waits_for_requests_in_flight_and_a_quiet_moment() {
        let drain = Drain::default();
        let request = drain.enter();
        let started = tokio::time::Instant::now();
        let settled = async {
            drain
                .settle(Duration::from_millis(30), Duration::from_secs(5))
                .await;
            started.elapsed()
        };
        let finish = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            drop(request);
        };
        let (waited, ()) = tokio::join!(settled, finish);
        assert!(waited >= Duration::from_millis(130), "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
    }

    #[actix_web::test]
    async fn a_body_that_stalls_fails_with_a_timeout_and_one_that_arrives_passes() {
        let stalled: BoxedPayloadStream = Box::pin(
            futures_util::stream::once(async { Ok(web::Bytes::from_static(b"partial")) })
                .chain(futures_util::stream::pending()),
        );
        let stalled = Payload::Stream { payload: stalled };
        let mut body = Deadline::new(stalled, Duration::from_millis(50));
        assert_eq!(body.next().await.unwrap().unwrap(), "partial");
        let error = body.next().await.unwrap().unwrap_err();
        assert!(is_timeout(&error));

        let whole = Payload::from(web::Bytes::from_static(b"{}"));
        let mut body = Deadline::new(whole, Duration::from_secs(5));
        assert_eq!(body.next().await.unwrap().unwrap(), "{}");
    }
}

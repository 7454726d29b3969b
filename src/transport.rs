//! Connection-level protection: a deadline on request bodies (a slow client gets 408 and its
//! connection closes), and draining at shutdown (every response then closes its connection, so no
//! client reuses a keep-alive connection that is about to go away).

use std::future::Future as _;
use std::io;
use std::pin::Pin;
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

/// Marks every response `Connection: close` once the server is draining.
pub async fn close_when_draining(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let mut res = next.call(req).await?;
    if state.is_some_and(|s| s.is_draining()) {
        res.response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(res)
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

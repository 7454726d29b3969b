//! Extractors shared by every route group: the raw body, read within the configured limit.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use futures_util::StreamExt as _;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The raw request body, read up to the configured limit (413 beyond it) plus its content type.
pub struct RawBody {
    pub bytes: web::Bytes,
    pub content_type: Option<String>,
}

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(1_048_576, |s| s.config.body_limit);
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge);
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    if crate::transport::is_timeout(&e) {
                        ApiError::RequestTimeout
                    } else {
                        ApiError::BadRequest(ErrorCode::BadRequest)
                    }
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(RawBody {
                bytes: body.freeze(),
                content_type,
            })
        })
    }
}

//! The body of an auth request, read as better-call reads it (`getBody`) and checked in Better
//! Auth's order: parse (415, 400), `originCheckMiddleware` (403), the route's zod schema (400),
//! `formCsrfMiddleware` where the route accepts forms (403), and only then the session (401).
//!
//! A route declares its body as a struct implementing [`AuthBody`]: the documented type, with the
//! field list zod checks beside it. [`AuthJson`] runs the steps above and ends in that struct.

use std::marker::PhantomData;

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::AuthContext;
use super::session_guard::{NoSession, SessionPolicy};
use super::zod;
use crate::error::{ApiError, ErrorCode};
use crate::routes::extract::RawBody;

/// What a route's zod schema accepts.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// `z.object({...})`: these fields, others ignored.
    Object(&'static [zod::Field]),
    /// Sign-up's `z.object({...}) & z.record(...)`, which reports a non-object twice.
    ObjectAndRecord(&'static [zod::Field]),
    /// `z.record(z.string(), z.any())`: any object (update-user, update-session).
    Record,
    /// No schema: any body, or none.
    Any,
}

impl Shape {
    /// The declared fields, if the schema lists any.
    pub fn fields(self) -> &'static [zod::Field] {
        match self {
            Shape::Object(fields) | Shape::ObjectAndRecord(fields) => fields,
            Shape::Record | Shape::Any => &[],
        }
    }
}

/// A route's request body: the documented struct, with the schema zod checks before it is built.
pub trait AuthBody: DeserializeOwned {
    /// The route's zod schema.
    const SHAPE: Shape;
    /// Sign-in and sign-up also take `application/x-www-form-urlencoded`, and run
    /// `formCsrfMiddleware`.
    const ACCEPTS_FORM: bool = false;
}

/// A body the route does not read: it is parsed and origin-checked, as Better Auth does.
#[derive(Debug, serde::Deserialize)]
pub struct AnyBody(serde::de::IgnoredAny);

impl AuthBody for AnyBody {
    const SHAPE: Shape = Shape::Any;
}

/// An auth request's checked body and, with `S`, the caller's session, looked up after the body
/// is valid so that a `400` precedes a `401` (actix-web polls a handler's extractors together,
/// so the order lives in this one extractor).
pub struct AuthJson<T, S: SessionPolicy = NoSession> {
    pub body: T,
    pub session: S::Output,
    policy: PhantomData<S>,
}

impl<T: AuthBody + 'static, S: SessionPolicy + 'static> FromRequest for AuthJson<T, S> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let raw = RawBody::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let raw = raw.await?;
            let ctx = AuthContext::of(&req)?;
            let body = checked::<T>(&ctx, &raw)?;
            let session = S::lookup(&ctx).await?;
            Ok(AuthJson {
                body,
                session,
                policy: PhantomData,
            })
        })
    }
}

/// Parse, origin check, schema, CSRF, then the typed body.
fn checked<T: AuthBody>(ctx: &AuthContext, raw: &RawBody) -> Result<T, ApiError> {
    let body = parse(raw, T::ACCEPTS_FORM)?;
    ctx.request.check_origin(ctx, body.as_ref())?;
    match T::SHAPE {
        Shape::Object(fields) => zod::validate(body.as_ref(), fields, false).map(drop)?,
        Shape::ObjectAndRecord(fields) => zod::validate(body.as_ref(), fields, true).map(drop)?,
        Shape::Record => zod::validate_record(body.as_ref()).map(drop)?,
        Shape::Any => {}
    }
    if T::ACCEPTS_FORM {
        ctx.request.validate_form_csrf(ctx)?;
    }
    // The schema has been checked, so this cannot fail on anything zod accepts.
    T::deserialize(body.unwrap_or(Value::Null)).map_err(|e| ApiError::BadRequestMessage {
        code: ErrorCode::ValidationError,
        message: format!("[body] {e}"),
    })
}

const JSON_ONLY: &str = "application/json";
// better-call joins the route's `allowedMediaTypes` as sign-in and sign-up declare them: form first.
const JSON_OR_FORM: &str = "application/x-www-form-urlencoded, application/json";

/// `getBody`: `None` when there is no body; JSON, or with `allow_form` also
/// `application/x-www-form-urlencoded`; 415 for other types, 400 for malformed JSON.
pub fn parse(raw: &RawBody, allow_form: bool) -> Result<Option<Value>, ApiError> {
    if raw.bytes.is_empty() {
        return Ok(None);
    }
    let raw_type = raw.content_type.clone().unwrap_or_default();
    let base = raw_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let allowed = if allow_form { JSON_OR_FORM } else { JSON_ONLY };
    let is_json = base.contains("application/json");
    let is_form = allow_form && base.contains("application/x-www-form-urlencoded");
    if !is_json && !is_form {
        return Err(ApiError::UnsupportedMediaType(if raw_type.is_empty() {
            format!("Content-Type is required. Allowed types: {allowed}")
        } else {
            format!("Content-Type \"{raw_type}\" is not allowed. Allowed types: {allowed}")
        }));
    }
    if is_json {
        return serde_json::from_slice(&raw.bytes)
            .map(Some)
            .map_err(|_| ApiError::BadRequest(ErrorCode::BadRequest));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&raw.bytes)
        .map_err(|_| ApiError::BadRequest(ErrorCode::BadRequest))?;
    Ok(Some(Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )))
}

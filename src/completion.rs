//! Requests run to completion even when their client goes away.
//!
//! Actix drops a request's handler future when the connection closes. A handler dropped between
//! two writes leaves half a unit of work: a session deleted but not its Redis key, or, on SQLite,
//! a write transaction whose connection would otherwise keep the file's one write lock. Here each
//! request runs as a task of its own on the worker; the connection only awaits it, so a client
//! that disconnects drops the wait, never the work.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::Error;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::LocalBoxFuture;

/// The middleware (wrap it outermost).
pub struct RunToCompletion;

impl<S, B> Transform<S, ServiceRequest> for RunToCompletion
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = RunToCompletionService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RunToCompletionService {
            service: Rc::new(service),
        }))
    }
}

/// See [`RunToCompletion`].
pub struct RunToCompletionService<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for RunToCompletionService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let task = actix_web::rt::spawn(async move { service.call(req).await });
        Box::pin(async move {
            match task.await {
                Ok(result) => result,
                // The handler panicked (a bug): a 500 in the envelope, not a dropped connection.
                Err(e) => Err(crate::error::ApiError::Internal(
                    anyhow::Error::msg(e.to_string()).context("request task"),
                )
                .into()),
            }
        })
    }
}

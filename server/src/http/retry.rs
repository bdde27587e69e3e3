//! Requests that lost a conflict with another transaction, or a read that met the
//! database unreachable, run again.
//!
//! PostgreSQL may abort a transaction to end a deadlock (SQLSTATE 40P01) or a
//! serialization conflict (40001); the transaction rolled back whole, so running the
//! request again is what the caller would do, only sooner. This layer does it for every
//! request, in one place, so no handler can forget: such a failure is marked on the
//! answer it becomes (an extension, `purser_services::answer::Failure`), and the
//! request runs again up to `ATTEMPTS` times with a short random pause. A request
//! still failing after that answers 503 with `Retry-After`, never 500.
//!
//! A database restart closes every connection under the queries running on it. A read
//! (`GET`, `HEAD`) that failed so runs once more, on a fresh connection; a write does
//! not, since it may have committed before the connection went: it answers 503 with
//! `Retry-After`, and the caller decides.
//!
//! Sits inside `input::guard`, which has already read the body into memory (at most
//! `MAX_BODY_BYTES`), so keeping a copy for another attempt costs nothing.

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use purser_services::answer::Failure;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tower::{Layer, Service, ServiceExt};

/// How many times a request runs at most.
pub const ATTEMPTS: u32 = 4;

/// How many times a read that met the database unreachable runs at most.
const UNAVAILABLE_ATTEMPTS: u32 = 2;

/// Wraps a service so requests that lost a conflict run again.
#[derive(Clone, Copy, Default)]
pub struct RetryConflictsLayer;

impl<S> Layer<S> for RetryConflictsLayer {
    type Service = RetryConflicts<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RetryConflicts { inner }
    }
}

#[derive(Clone)]
pub struct RetryConflicts<S> {
    inner: S,
}

impl<S> Service<Request> for RetryConflicts<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Each attempt readies its own clone of the inner service.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let inner = self.inner.clone();
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            // Already in memory (see the module's note): this only takes it.
            let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
                return Ok(purser_services::error::Error::BadRequest(
                    "The request body could not be read.".into(),
                )
                .response_for(parts.uri.path()));
            };
            let mut attempt = 1;
            loop {
                let req = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
                let service = inner.clone();
                let response = service.oneshot(req).await;
                let failed = response
                    .as_ref()
                    .ok()
                    .and_then(|r| r.extensions().get::<Failure>().copied());
                let again = match failed {
                    None => false,
                    Some(Failure::Conflict) => attempt < ATTEMPTS,
                    Some(Failure::Unavailable) => {
                        parts.method.is_safe() && attempt < UNAVAILABLE_ATTEMPTS
                    }
                };
                if !again {
                    return response;
                }
                tracing::info!(attempt, ?failed, path = %parts.uri.path(), "running the request again");
                tokio::time::sleep(pause(attempt)).await;
                attempt += 1;
            }
        })
    }
}

/// A random pause that grows with each attempt (10–40 ms, then 20–80, 40–160), so the
/// transactions that met do not meet again at once.
fn pause(attempt: u32) -> Duration {
    use rand::Rng;
    let base = 10u64 << (attempt - 1).min(4);
    Duration::from_millis(rand::thread_rng().gen_range(base..=base * 4))
}

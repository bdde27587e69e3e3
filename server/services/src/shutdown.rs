//! Stopping cleanly. On SIGTERM (what an orchestrator or `systemctl stop` sends) or
//! Ctrl-C the server stops accepting connections, lets the requests in flight finish
//! within [`GRACE`], and the outbox worker hands back the messages it claimed but did
//! not try, so another instance sends them at once rather than when the claim runs out.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long the requests in flight may take to finish once a stop is asked for.
pub const GRACE: Duration = Duration::from_secs(20);

/// Asks the server and its background work to stop.
#[derive(Clone)]
pub struct Trigger(Arc<watch::Sender<bool>>);

/// Whether a stop was asked for; each background task holds a clone.
#[derive(Clone)]
pub struct Stop(watch::Receiver<bool>);

/// A trigger and the stop it pulls.
pub fn channel() -> (Trigger, Stop) {
    let (sender, receiver) = watch::channel(false);
    (Trigger(Arc::new(sender)), Stop(receiver))
}

impl Trigger {
    pub fn pull(&self) {
        self.0.send_replace(true);
    }

    /// Pulls the trigger when the process gets SIGTERM or SIGINT.
    pub fn on_signals(self) {
        tokio::spawn(async move {
            signal().await;
            tracing::info!(
                "stopping: no new connections; requests in flight have {} s to finish",
                GRACE.as_secs()
            );
            self.pull();
        });
    }
}

impl Stop {
    /// Resolves once a stop is asked for (never, if nothing can ask any more).
    pub async fn requested(&mut self) {
        if self.0.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    pub fn is_requested(&self) -> bool {
        *self.0.borrow()
    }
}

async fn signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    () = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops cleanly");
                interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    interrupt.await;
}

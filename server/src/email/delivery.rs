//! Delivers the outbox over SMTP, retrying failures with backoff.

use super::outbox;
use crate::db::Db;
use lettre::message::Mailbox;
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// An SMTP connection setting and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error(
        "PURSER_SMTP_URL is not a valid SMTP URL (smtp://, smtps:// or smtp://…?tls=required): {0}"
    )]
    Url(String),
    #[error("PURSER_SMTP_FROM is not a valid address: {0}")]
    From(String),
}

impl Mailer {
    /// `url` as lettre reads it: `smtp://user:pass@host:port` (plain, for local
    /// relays), `smtp://host?tls=required` (STARTTLS) or `smtps://host` (TLS).
    pub fn new(url: &str, from: &str) -> Result<Mailer, MailerError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailerError::Url(e.to_string()))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailerError::From(e.to_string()))?;
        Ok(Mailer { transport, from })
    }

    async fn send(&self, message: &outbox::Message) -> Result<(), String> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|e| format!("bad recipient: {e}"))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .body(message.body.clone())
            .map_err(|e| format!("cannot build message: {e}"))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Sends what is due once; returns how many were sent.
pub async fn deliver_due(
    db: &Db,
    mailer: &Mailer,
    bodies: outbox::Bodies,
) -> crate::error::Result<usize> {
    let mut sent = 0;
    for message in outbox::claim_due(db, 20).await? {
        match mailer.send(&message).await {
            Ok(()) => {
                outbox::mark_sent(db, &message.id, bodies).await?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(id = %message.id, %error, "email delivery failed; will retry");
                outbox::mark_failed(db, &message, &error, bodies).await?;
            }
        }
    }
    Ok(sent)
}

/// Runs delivery in the background for the life of the server.
pub fn spawn(
    db: Db,
    mailer: Mailer,
    every: Duration,
    bodies: outbox::Bodies,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = deliver_due(&db, &mailer, bodies).await {
                tracing::error!(error = %e, "email delivery pass failed");
            }
        }
    })
}

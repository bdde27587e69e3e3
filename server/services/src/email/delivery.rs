//! Delivers the outbox over SMTP, retrying failures with backoff.

use super::outbox;
use crate::shutdown::Stop;
use crate::storage::db::Db;
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

/// How long a message being handed to the relay may take once a stop is asked for.
const SEND_GRACE: Duration = Duration::from_secs(3);

/// Sends what is due once; returns how many were sent. Once `stop` is asked for, the
/// claimed messages not yet tried are handed back for another instance.
pub async fn deliver_due(
    db: &Db,
    mailer: &Mailer,
    bodies: outbox::Bodies,
    stop: &Stop,
) -> crate::error::Result<usize> {
    let claimed = outbox::claim_due(db, 20).await?;
    let mut sent = 0;
    for (i, message) in claimed.iter().enumerate() {
        if stop.is_requested() {
            outbox::release(db, &claimed[i..]).await?;
            break;
        }
        let mut stopping = stop.clone();
        let attempt = tokio::select! {
            result = mailer.send(message) => Some(result),
            () = async {
                stopping.requested().await;
                tokio::time::sleep(SEND_GRACE).await;
            } => None,
        };
        match attempt {
            Some(Ok(())) => {
                outbox::mark_sent(db, &message.id, bodies).await?;
                metrics::counter!("purser_emails_total", "result" => "sent").increment(1);
                sent += 1;
            }
            Some(Err(error)) => {
                tracing::warn!(id = %message.id, %error, "email delivery failed; will retry");
                outbox::mark_failed(db, message, &error, bodies).await?;
                metrics::counter!("purser_emails_total", "result" => "failed").increment(1);
            }
            None => {
                // Whether the relay took it is unknown: its claim is left to run out
                // (then another instance retries it), which risks a late message
                // rather than a message sent twice at once.
                tracing::warn!(id = %message.id, "stopping mid-delivery; the message will be retried when its claim runs out");
                outbox::release(db, &claimed[i + 1..]).await?;
                break;
            }
        }
    }
    Ok(sent)
}

/// Runs delivery in the background until `stop`.
pub fn spawn(
    db: Db,
    mailer: Mailer,
    every: Duration,
    bodies: outbox::Bodies,
    mut stop: Stop,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = stop.requested() => return,
            }
            if let Err(e) = deliver_due(&db, &mailer, bodies, &stop).await {
                tracing::error!(error = %e, "email delivery pass failed");
            }
        }
    })
}

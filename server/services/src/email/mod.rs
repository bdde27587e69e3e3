//! Email: a durable outbox, SMTP delivery, and a development mailbox.

pub mod delivery;
pub mod mailbox;
pub mod outbox;

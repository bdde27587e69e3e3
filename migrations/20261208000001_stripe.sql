-- Stripe as the payment processor (docs/payments.md#stripe): each organization's
-- customer at Stripe, the webhook events already applied, and what a payment needs to
-- follow its PaymentIntent (its id, the decline code, authentication required).

-- Created the first time someone in the organization enters a card.
CREATE TABLE stripe_customers (
    org_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- Each event id once: Stripe delivers at least once, and a replay changes nothing.
CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX stripe_events_received ON stripe_events (received_at);

-- The payments table again, for a status the old CHECK refused ('requires_action':
-- the card holder must authenticate, 3-D Secure) and the processor's reference to the
-- charge. Rebuilt rather than altered: SQLite cannot change a CHECK in place.
CREATE TABLE payments_v2 (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    description TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('processing', 'succeeded', 'failed', 'requires_action')),
    failure TEXT,
    claimed_until BIGINT,
    -- The processor's id for the charge (a Stripe PaymentIntent), once it has one.
    processor_ref TEXT UNIQUE,
    -- The processor's reason code for a failure (e.g. insufficient_funds).
    failure_code TEXT,
    UNIQUE (org_id, period)
);
INSERT INTO payments_v2 (id, org_id, period, created_at, description, amount_cents, currency, status, failure, claimed_until)
    SELECT id, org_id, period, created_at, description, amount_cents, currency, status, failure, claimed_until FROM payments;
DROP TABLE payments;
ALTER TABLE payments_v2 RENAME TO payments;
CREATE INDEX payments_org ON payments (org_id, created_at);

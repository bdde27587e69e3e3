-- Billing: the payment method the processor keeps for an organization (never a full
-- card number), the subscription's status, and one payment per organization per period.

ALTER TABLE organizations ADD COLUMN subscription_status TEXT NOT NULL DEFAULT 'active';

CREATE TABLE payment_methods (
    org_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    brand TEXT NOT NULL,
    last4 TEXT NOT NULL,
    exp_month BIGINT NOT NULL,
    exp_year BIGINT NOT NULL,
    holder TEXT NOT NULL,
    -- The processor's reference to the card; for the built-in processor, how it charges.
    processor_token TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The unique (org_id, period) is what makes "one payment per organization per period"
-- hold across runs and across server instances: a cycle claims a period by inserting.
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    description TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('processing', 'succeeded', 'failed')),
    failure TEXT,
    UNIQUE (org_id, period)
);
CREATE INDEX payments_org ON payments (org_id, created_at);

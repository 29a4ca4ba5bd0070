-- Issue 16. Coordinators subscribe endpoints of their own to a letter's events. Each delivery is a
-- row written in the transaction of the change (never lost), sent by the dispatcher of any node.

-- How many subscriptions the letter has: read with the row the sign-on reads anyway, so a letter
-- without any pays no query of its own per sign-on, and every node sees a new one at once.
ALTER TABLE petitions ADD COLUMN webhooks INTEGER NOT NULL DEFAULT 0;

-- The signer agreed that its contact (name, role, email) goes to the coalition's subscribed systems.
ALTER TABLE signatures ADD COLUMN share_contact INTEGER NOT NULL DEFAULT 0 CHECK (share_contact IN (0, 1));

CREATE TABLE webhook_subscriptions (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    -- A partner's subscription (its deliveries only of the sign-ons its link brought); NULL: the letter's.
    partner_id INTEGER NULL,
    url TEXT NOT NULL,
    -- The events, space-separated.
    events TEXT NOT NULL,
    -- Data Protection's ciphertext of the signing secret: it must be read back to sign.
    secret TEXT NOT NULL,
    include_contact INTEGER NOT NULL DEFAULT 0 CHECK (include_contact IN (0, 1)),
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled')),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    last_success_at TEXT NULL,
    last_failure_at TEXT NULL,
    last_error TEXT NULL,
    -- The first failure since the last success: a day of failures disables the subscription.
    failing_since TEXT NULL,
    disabled_at TEXT NULL
) STRICT;

CREATE INDEX webhook_subscriptions_by_petition ON webhook_subscriptions (petition_id);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES webhook_subscriptions (id),
    event TEXT NOT NULL,
    petition_id INTEGER NOT NULL,
    signature_id INTEGER NULL,
    occurred_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered')),
    due_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until TEXT NULL,
    claimed_by TEXT NULL,
    delivered_at TEXT NULL,
    last_error TEXT NULL
) STRICT;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id);

-- Each time a letter stopped taking sign-ons (closed by a coordinator, or its closesAt passed): the
-- key claims the letter.closed deliveries, so they are queued once whichever node sees it first.
CREATE TABLE letter_closings (
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    closed_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (petition_id, closed_at)
) STRICT;

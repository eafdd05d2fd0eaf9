-- PostgreSQL twin of migrations/sqlite/0001_identity.sql: same tables, TIMESTAMPTZ times, BIGINT counts.
-- Identity (docs/contract.md §§1–4). No plaintext password, code or token is ever stored:
-- passwords are argon2id PHC strings, codes and tokens are keyed hashes (HMAC-SHA-256, hex).

-- Secrets the server creates on first start and keeps: the HMAC key for codes and tokens,
-- and the RS256 signing key (PKCS#8 PEM). `name` is e.g. 'hmac' or 'rs256:<kid>'.
CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- One row per parent account. `email` is the canonical email of a local account
-- (docs/contract.md §1); accounts from social providers (§5) may have none.
CREATE TABLE accounts (
    id             TEXT PRIMARY KEY,
    email          TEXT UNIQUE,
    password_hash  TEXT,
    created_at     TIMESTAMPTZ NOT NULL
);

-- Every email an account has proved it owns (or not yet). Association (§6) accepts only
-- verified ones. The sign-up email is inserted verified.
CREATE TABLE account_emails (
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    address     TEXT NOT NULL,
    verified    BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, address)
);

-- One native-auth flow (docs/contract.md §§1–3): a sign-up, a sign-in or a password reset for
-- one canonical email. `account_id` is the account the email belonged to at start (sign-in,
-- reset) or the account the sign-up created; NULL for an unknown email.
CREATE TABLE auth_flows (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,            -- 'signup' | 'signin' | 'reset'
    client_id   TEXT NOT NULL,
    email       TEXT NOT NULL,            -- canonical form (§1 "Email")
    account_id  TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL
);

-- Continuation tokens (docs/contract.md §0): keyed hash of the opaque token, bound to a flow,
-- the step it opens and the client. A successful step sets `consumed_at` and issues a new one.
CREATE TABLE continuation_tokens (
    token_hash   TEXT PRIMARY KEY,        -- HMAC-SHA-256, purpose 'continuation'
    flow_id      TEXT NOT NULL REFERENCES auth_flows(id) ON DELETE CASCADE,
    step         TEXT NOT NULL,           -- e.g. 'signup:oob', see identity/flow.rs
    client_id    TEXT NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    consumed_at  TIMESTAMPTZ
);
CREATE INDEX continuation_tokens_flow ON continuation_tokens (flow_id);

-- The current emailed code of a flow (docs/contract.md §1 "Codes"): at most one per flow; a
-- resend replaces it (voiding the old one), a correct answer deletes it (single use).
CREATE TABLE verification_codes (
    flow_id          TEXT PRIMARY KEY REFERENCES auth_flows(id) ON DELETE CASCADE,
    code_hash        TEXT NOT NULL,       -- HMAC-SHA-256, purpose 'code'
    sent_at          TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    failed_attempts  BIGINT NOT NULL DEFAULT 0
);

-- Events counted in sliding windows (docs/contract.md §0 "Limits"): 'code_send' (10 per email
-- per hour, §1) and 'password_failure' (10 per email per 15 minutes, §2). `subject` is the
-- keyed hash (purpose 'limit') of the canonical email, whether or not an account exists.
CREATE TABLE limit_events (
    kind     TEXT NOT NULL,
    subject  TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX limit_events_window ON limit_events (kind, subject, at);

-- Sign-in lockouts (docs/contract.md §2): the email may not sign in before `until`.
CREATE TABLE lockouts (
    subject  TEXT PRIMARY KEY,            -- as in limit_events
    until    TIMESTAMPTZ NOT NULL
);

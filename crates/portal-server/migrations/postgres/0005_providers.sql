-- PostgreSQL twin of migrations/sqlite/0005_providers.sql: same tables, TIMESTAMPTZ times, BIGINT counts.
-- The browser flow (docs/contract.md §5): accounts from sign-in providers, authorization
-- requests in progress and the authorization codes they end with. No code or token is stored in
-- clear: codes and request handles are keyed hashes (HMAC-SHA-256, hex) like every other secret.

-- Who signs in through a provider. One account per (provider, subject): two providers that
-- return the same email are two accounts, never merged by email (§5). `provider` is the
-- portal's name of the provider ('google', 'live', 'facebook', 'linkedin', 'apple', or the
-- name a configured upstream was given); `subject` is the provider's `sub` (the demo provider
-- uses the canonical email the person typed).
CREATE TABLE provider_identities (
    provider    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX provider_identities_account ON provider_identities (account_id);

-- An authorization request (GET {authority}oauth2/v2.0/authorize) while the person is at the
-- provider. `handle_hash` is the keyed hash (purpose 'authorize') of the random handle the demo
-- page posts back or the upstream returns as its `state`. Deleted when the request ends.
CREATE TABLE authorization_requests (
    handle_hash      TEXT PRIMARY KEY,
    client_id        TEXT NOT NULL,
    redirect_uri     TEXT NOT NULL,
    state            TEXT,                 -- the client's `state`, passed back unchanged
    nonce            TEXT,                 -- the client's `nonce`, put in the ID token
    code_challenge   TEXT NOT NULL,        -- PKCE S256 (RFC 7636 §4.2)
    scope            TEXT NOT NULL,
    provider         TEXT NOT NULL,
    -- Brokering only (docs/contract.md §5): what the upstream exchange needs. The PKCE verifier
    -- must be sent in clear to the upstream, so it is kept in clear for these few minutes.
    upstream_nonce     TEXT,
    upstream_verifier  TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL
);

-- An authorization code, single use, short-lived (RFC 6749 §4.1.2), bound to the client, the
-- redirect URI and the PKCE challenge of its request.
CREATE TABLE authorization_codes (
    code_hash       TEXT PRIMARY KEY,      -- HMAC-SHA-256, purpose 'authorization_code'
    account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    client_id       TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    code_challenge  TEXT NOT NULL,
    nonce           TEXT,
    scope           TEXT NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    used_at         TIMESTAMPTZ
);

-- Refresh tokens (docs/contract.md §4). The RS256 signing key lives in server_secrets
-- (0001_identity.sql) under the name 'rs256:<kid>'.
--
-- One row per refresh token ever issued. Every use rotates: the used row gets `rotated_at` and a
-- new row of the same family is inserted. Rows are kept after rotation so that a reuse of an
-- already-rotated token is recognised and revokes the whole family (OAuth 2.0 Security BCP,
-- RFC 9700 §4.14.2). Times are RFC 3339 UTC text, which sorts correctly.
CREATE TABLE refresh_tokens (
    -- HMAC-SHA-256 of the token under the server key, purpose 'refresh' (crypto.rs), hex.
    token_hash         TEXT PRIMARY KEY,
    -- All tokens descending from one sign-in share a family id (UUID).
    family_id          TEXT NOT NULL,
    account_id         TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- The public client the family was issued to; only it may refresh (RFC 6749 §6).
    client_id          TEXT NOT NULL,
    -- The granted scopes, space-separated; a refresh may narrow but never widen them.
    scope              TEXT NOT NULL,
    -- When the family started (the sign-in) and when it ends regardless of use (+90 days).
    family_created_at  TEXT NOT NULL,
    family_expires_at  TEXT NOT NULL,
    -- When this token was issued and when it lapses unused (+30 days, capped by the family's end).
    created_at         TEXT NOT NULL,
    expires_at         TEXT NOT NULL,
    -- Set when this token was exchanged for its successor.
    rotated_at         TEXT,
    -- Set on revocation (RFC 7009, reuse detected, password reset); set on every row of the family.
    revoked_at         TEXT
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_account ON refresh_tokens (account_id);

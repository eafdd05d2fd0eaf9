-- PostgreSQL twin of migrations/sqlite/0006_code_families.sql: same tables, TIMESTAMPTZ times, BIGINT counts.
-- The refresh-token family each authorization code was redeemed for, so that a second use of the
-- code revokes it (RFC 6749 §4.1.2: the server SHOULD revoke the tokens issued from a code that
-- is used more than once). Empty until the code is redeemed.
ALTER TABLE authorization_codes ADD COLUMN family_id TEXT;

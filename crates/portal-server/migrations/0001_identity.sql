-- Identity (docs/contract.md §§1–4). No plaintext password, code or token is ever stored:
-- passwords are argon2id PHC strings, codes and tokens are keyed hashes (HMAC-SHA-256, hex).

-- Secrets the server creates on first start and keeps: the HMAC key for codes and tokens,
-- and the RS256 signing key (PKCS#8 PEM). `name` is e.g. 'hmac' or 'rs256:<kid>'.
CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- One row per parent account. `email` is the canonical email of a local account
-- (docs/contract.md §1); accounts from social providers (§5) may have none.
CREATE TABLE accounts (
    id             TEXT PRIMARY KEY,
    email          TEXT UNIQUE,
    password_hash  TEXT,
    created_at     TEXT NOT NULL
);

-- Every email an account has proved it owns (or not yet). Association (§6) accepts only
-- verified ones. The sign-up email is inserted verified.
CREATE TABLE account_emails (
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    address     TEXT NOT NULL,
    verified    BOOLEAN NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, address)
);

-- Limits that hold under concurrency (docs/contract.md §0 "Limits", SECURITY.md).
--
-- Every counted attempt is reserved before it is evaluated, inside one write transaction that
-- first upserts its subject's row here: on SQLite the upsert takes the database's single write
-- lock, on PostgreSQL it locks that row, so two requests for one subject never count and
-- evaluate at the same time, on one instance or several sharing the database. `subject` is a
-- keyed hash (crypto.rs, purpose 'limit'), never an email or an account id in clear.
CREATE TABLE limit_subjects (
    subject     TEXT PRIMARY KEY,
    touched_at  TEXT NOT NULL
);

-- limit_events gains an id, so that a reservation whose attempt turned out not to count (an
-- association that matched, a sign-in the portal could not evaluate) is released alone.
--
-- Upgrading: subjects are now keyed hashes of 'email:<canonical email>' and of the account's
-- sign-in identity ('account:…', identity/limits.rs), where they were the hash of the email and
-- the account id; events and lockouts recorded before this migration no longer match a subject,
-- so every window and lock starts afresh once, at the upgrade.
CREATE TABLE limit_events_new (
    id       TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,
    subject  TEXT NOT NULL,
    at       TEXT NOT NULL
);
INSERT INTO limit_events_new (id, kind, subject, at)
    SELECT lower(hex(randomblob(16))), kind, subject, at FROM limit_events;
DROP TABLE limit_events;
ALTER TABLE limit_events_new RENAME TO limit_events;
CREATE INDEX limit_events_window ON limit_events (kind, subject, at);

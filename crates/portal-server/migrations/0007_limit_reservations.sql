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

-- limit_events gains an id, so that a reservation whose attempt turned out not to count (a
-- correct code, an association that matched) is released alone.
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

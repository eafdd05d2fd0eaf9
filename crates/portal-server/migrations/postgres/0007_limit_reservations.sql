-- Limits that hold under concurrency (docs/contract.md §0 "Limits", SECURITY.md); the twin of
-- migrations/sqlite/0007_limit_reservations.sql.
--
-- Every counted attempt is reserved before it is evaluated, inside one write transaction that
-- first upserts its subject's row here: on PostgreSQL the upsert locks that row until the
-- transaction ends, so two requests for one subject never count and evaluate at the same time,
-- on one instance or several sharing the database. `subject` is a keyed hash (crypto.rs,
-- purpose 'limit'), never an email or an account id in clear.
CREATE TABLE limit_subjects (
    subject     TEXT PRIMARY KEY,
    touched_at  TIMESTAMPTZ NOT NULL
);

-- limit_events gains an id, so that a reservation whose attempt turned out not to count is
-- released alone. As on SQLite, events recorded before this migration belong to subjects that
-- are no longer computed; they age out.
ALTER TABLE limit_events ADD COLUMN id TEXT;
UPDATE limit_events SET id = replace(gen_random_uuid()::text, '-', '');
ALTER TABLE limit_events ALTER COLUMN id SET NOT NULL;
ALTER TABLE limit_events ADD PRIMARY KEY (id);

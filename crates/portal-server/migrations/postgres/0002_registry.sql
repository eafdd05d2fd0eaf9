-- PostgreSQL twin of migrations/sqlite/0002_registry.sql: same tables, TIMESTAMPTZ times, BIGINT counts.
-- The school registry (docs/contract.md §7) and the parent's associations (§6).
-- Children's data lives here only; none of it is ever logged.

-- Subscription of a school body to this portal. The 72 bodies themselves come from
-- cartable-core's embedded `school_boards.json`; a body without a row is subscribed.
CREATE TABLE board_subscriptions (
    board_id    TEXT PRIMARY KEY,          -- slug, e.g. 'css-laval'
    subscribed  BOOLEAN NOT NULL
);

-- Private schools (not in the bodies list). `id` is 'ps-<slug>'.
CREATE TABLE private_schools (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    subscribed  BOOLEAN NOT NULL
);

-- One row per student record. Exactly one of board_id / private_school_id is set.
CREATE TABLE students (
    id                 TEXT PRIMARY KEY,   -- UUID; the `id` of Child in the parent API
    board_id           TEXT,
    private_school_id  TEXT REFERENCES private_schools(id),
    school_code        TEXT NOT NULL,
    school_name        TEXT NOT NULL,
    student_number     TEXT,               -- numéro de fiche, 7 digits, leading zeros kept
    permanent_code     TEXT,               -- code permanent, normalised (uppercase, no spaces)
    last_name          TEXT NOT NULL,      -- as registered (NFC), shown to the parent
    first_name         TEXT NOT NULL,
    last_name_key      TEXT NOT NULL,      -- cartable-core PersonName::matching_key
    first_name_key     TEXT NOT NULL,
    birth_date         TEXT NOT NULL,      -- YYYY-MM-DD
    grade              TEXT NOT NULL,      -- e.g. 'Secondaire 3'
    nip_hash           TEXT UNIQUE,        -- HMAC(server key, 'nip', normalised NIP), hex
    nip_expires_at     TIMESTAMPTZ,
    nip_used_at        TIMESTAMPTZ,        -- set when a NIP association succeeds: single use
    created_at         TIMESTAMPTZ NOT NULL,
    CHECK ((board_id IS NULL) <> (private_school_id IS NULL)),
    CHECK (student_number IS NOT NULL OR permanent_code IS NOT NULL)
);

-- Association is an index seek on (body or private school, identifier).
CREATE UNIQUE INDEX students_board_student_number
    ON students (board_id, student_number) WHERE board_id IS NOT NULL AND student_number IS NOT NULL;
CREATE UNIQUE INDEX students_board_permanent_code
    ON students (board_id, permanent_code) WHERE board_id IS NOT NULL AND permanent_code IS NOT NULL;
CREATE UNIQUE INDEX students_private_student_number
    ON students (private_school_id, student_number)
    WHERE private_school_id IS NOT NULL AND student_number IS NOT NULL;
CREATE UNIQUE INDEX students_private_permanent_code
    ON students (private_school_id, permanent_code)
    WHERE private_school_id IS NOT NULL AND permanent_code IS NOT NULL;

-- Guardian emails on the record, canonical form (docs/contract.md §1 "Email").
CREATE TABLE student_guardians (
    student_id  TEXT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    PRIMARY KEY (student_id, email)
);

-- What the school publishes per dossier section (docs/contract.md §6, dossier).
CREATE TABLE student_sections (
    student_id  TEXT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    section     TEXT NOT NULL,             -- 'agenda', 'devoirs', … 'ressources'
    item_count  BIGINT NOT NULL CHECK (item_count >= 0),
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (student_id, section)
);

-- A parent's children. Removing one deletes the row; deleting the account deletes them all.
CREATE TABLE child_associations (
    account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    student_id     TEXT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    method         TEXT NOT NULL,          -- 'identity', 'private_school' or 'nip'
    associated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, student_id)
);

-- The 10-per-24-hours limit on `no_matching_record` answers (§6) uses `limit_events`
-- (0001_identity.sql), kind 'no_matching_record', subject the account id.

-- The version of the registry's public lists (docs/contract.md §6: GET /api/v1/school-boards and
-- GET /api/v1/private-schools). Each portal keeps those answers, body and ETag, in memory and
-- reads this one row per request to know whether they are still current
-- (crates/portal-server/src/http/parent/boards.rs). The triggers bump it with every change to
-- the tables the lists are built from, whoever makes it: `registry import` in any process,
-- another instance on the same database, or an operator's own SQL.
CREATE TABLE registry_lists_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),   -- one row
    version  INTEGER NOT NULL                      -- only ever grows
);
INSERT INTO registry_lists_version (id, version) VALUES (1, 0);

-- SQLite triggers run per row: an import of many private schools bumps it many times, in its
-- own transaction, which is all a reader needs (a different number).
CREATE TRIGGER board_subscriptions_inserted AFTER INSERT ON board_subscriptions
BEGIN UPDATE registry_lists_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER board_subscriptions_updated AFTER UPDATE ON board_subscriptions
BEGIN UPDATE registry_lists_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER board_subscriptions_deleted AFTER DELETE ON board_subscriptions
BEGIN UPDATE registry_lists_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER private_schools_inserted AFTER INSERT ON private_schools
BEGIN UPDATE registry_lists_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER private_schools_updated AFTER UPDATE ON private_schools
BEGIN UPDATE registry_lists_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER private_schools_deleted AFTER DELETE ON private_schools
BEGIN UPDATE registry_lists_version SET version = version + 1 WHERE id = 1; END;

-- PostgreSQL twin of migrations/sqlite/0009_registry_lists_version.sql: BIGINT version, one
-- statement-level trigger per table.
-- The version of the registry's public lists (docs/contract.md §6: GET /api/v1/school-boards and
-- GET /api/v1/private-schools). Each portal keeps those answers, body and ETag, in memory and
-- reads this one row per request to know whether they are still current
-- (crates/portal-server/src/http/parent/boards.rs). The triggers bump it with every change to
-- the tables the lists are built from, whoever makes it: `registry import` in any process,
-- another instance on the same database, or an operator's own SQL.
CREATE TABLE registry_lists_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),   -- one row
    version  BIGINT NOT NULL                       -- only ever grows
);
INSERT INTO registry_lists_version (id, version) VALUES (1, 0);

-- The update takes the row's lock until the changing transaction ends, so two imports at once
-- bump it one after the other, and the new number is visible exactly when the change is.
CREATE FUNCTION bump_registry_lists_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE registry_lists_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER board_subscriptions_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON board_subscriptions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_registry_lists_version();
CREATE TRIGGER private_schools_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON private_schools
    FOR EACH STATEMENT EXECUTE FUNCTION bump_registry_lists_version();

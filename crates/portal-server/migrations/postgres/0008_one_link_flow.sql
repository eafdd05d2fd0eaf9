-- PostgreSQL twin of migrations/sqlite/0008_one_link_flow.sql: same tables, TIMESTAMPTZ times, BIGINT counts.
-- One email-linking flow per (account, address) (docs/contract.md §5): the resend interval and
-- the five attempts of §1 live on that flow, so two requests at once must find the same row.
-- Duplicates made before this index (simultaneous requests) are reduced to the oldest.
DELETE FROM auth_flows
WHERE kind = 'email_link'
  AND EXISTS (SELECT 1 FROM auth_flows older
              WHERE older.kind = 'email_link'
                AND older.account_id = auth_flows.account_id
                AND older.email = auth_flows.email
                AND (older.created_at < auth_flows.created_at
                     OR (older.created_at = auth_flows.created_at AND older.id < auth_flows.id)));
CREATE UNIQUE INDEX auth_flows_one_email_link ON auth_flows (account_id, email)
    WHERE kind = 'email_link';

-- Telemetry of a healing stack like the one docs/catalogue.md describes: an incidents
-- table and an execution_telemetry table (one row per remediation run), with a
-- NOTIFY on every telemetry insert so chaoslab's postgres observer wakes at once
-- instead of waiting for its next poll. Idempotent: safe to apply twice.

CREATE TABLE IF NOT EXISTS incidents (
  id              bigserial PRIMARY KEY,
  hostname        text        NOT NULL,
  check_type      text        NOT NULL,
  status          text        NOT NULL CHECK (status IN ('open', 'resolving', 'escalated', 'resolved')),
  resolution_tier text        CHECK (resolution_tier IN ('L1', 'L2', 'L3')),
  details         jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  resolved_at     timestamptz
);

CREATE TABLE IF NOT EXISTS execution_telemetry (
  id               bigserial PRIMARY KEY,
  incident_id      bigint      REFERENCES incidents (id),
  hostname         text        NOT NULL,
  incident_type    text        NOT NULL,
  runbook_id       text,
  success          boolean     NOT NULL,
  resolution_level text        CHECK (resolution_level IN ('L1', 'L2', 'L3')),
  started_at       timestamptz NOT NULL,
  completed_at     timestamptz,
  error_message    text,
  campaign_id      text,
  -- clock_timestamp(), not now(): rows of one transaction still get distinct, increasing cursor values
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX IF NOT EXISTS execution_telemetry_created_at ON execution_telemetry (created_at);
CREATE INDEX IF NOT EXISTS incidents_host_check ON incidents (hostname, check_type);

CREATE OR REPLACE FUNCTION notify_execution_telemetry() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('execution_telemetry', NEW.id::text);
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS execution_telemetry_notify ON execution_telemetry;
CREATE TRIGGER execution_telemetry_notify
  AFTER INSERT ON execution_telemetry
  FOR EACH ROW EXECUTE FUNCTION notify_execution_telemetry();

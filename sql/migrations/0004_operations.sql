-- 0004: what the daemon did: the run history of its jobs and the delivery
-- files it refused whole. Operations read them through the metrics;
-- researchers see them to judge how complete the data is.

CREATE SEQUENCE run_id_seq START 1;

CREATE TABLE job_runs (
    run_id     BIGINT PRIMARY KEY DEFAULT nextval('run_id_seq'),
    job        VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    ended_at   TIMESTAMPTZ,
    status     VARCHAR NOT NULL,
    error      VARCHAR,
    rows       BIGINT NOT NULL DEFAULT 0
);
COMMENT ON TABLE job_runs IS 'Run history of the pipeline''s jobs: one row per run of a pull job or of the monthly cycle, with its outcome.';
COMMENT ON COLUMN job_runs.run_id IS 'Sequence number of the run.';
COMMENT ON COLUMN job_runs.job IS 'Job name: pull:<source> for a source''s pull job, cycle for the monthly cycle (link, KPIs, dashboard, research snapshot, metrics).';
COMMENT ON COLUMN job_runs.started_at IS 'When the run started.';
COMMENT ON COLUMN job_runs.ended_at IS 'When the run ended; NULL while it runs, or if the process died during it.';
COMMENT ON COLUMN job_runs.status IS 'running, ok, failed or skipped (a trigger that came while the previous run of the job still ran).';
COMMENT ON COLUMN job_runs.error IS 'Why the run failed; NULL unless status is failed. Never holds a key or a data value.';
COMMENT ON COLUMN job_runs.rows IS 'Data rows the run landed (pull jobs: rows accepted plus quarantined); 0 for the cycle.';

CREATE SEQUENCE refusal_id_seq START 1;

CREATE TABLE refusals (
    refusal_id BIGINT PRIMARY KEY DEFAULT nextval('refusal_id_seq'),
    source     VARCHAR NOT NULL,
    file_name  VARCHAR NOT NULL,
    sha256     VARCHAR NOT NULL,
    refused_at TIMESTAMPTZ NOT NULL,
    reason     VARCHAR NOT NULL
);
COMMENT ON TABLE refusals IS 'Delivery files refused whole (unreadable, wrong columns, a BSN where a pseudonym belongs): nothing of them landed. The file itself is kept in the rejected folder with a .reason file beside it.';
COMMENT ON COLUMN refusals.refusal_id IS 'Sequence number of the refusal.';
COMMENT ON COLUMN refusals.source IS 'Source name: jgz, verzuim, toegang or jzplus.';
COMMENT ON COLUMN refusals.file_name IS 'Base name of the refused file.';
COMMENT ON COLUMN refusals.sha256 IS 'Lowercase hex SHA-256 of the file as delivered.';
COMMENT ON COLUMN refusals.refused_at IS 'When the file was refused.';
COMMENT ON COLUMN refusals.reason IS 'Why it was refused; says which column and what rule, never a data value.';

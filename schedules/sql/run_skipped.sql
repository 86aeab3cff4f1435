-- A trigger came while the job still ran: recorded, not run.
-- $1 job, $2 the time of the trigger.
INSERT INTO job_runs (job, started_at, ended_at, status) VALUES ($1, $2, $2, 'skipped');

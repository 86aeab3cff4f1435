-- A job run begins: $1 job, $2 started_at. Returns the run id.
INSERT INTO job_runs (job, started_at, status) VALUES ($1, $2, 'running') RETURNING run_id;

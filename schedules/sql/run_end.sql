-- A job run ends: $1 run_id, $2 ended_at, $3 status (ok or failed),
-- $4 error (NULL when ok), $5 rows landed.
UPDATE job_runs SET ended_at = $2, status = $3, error = $4, rows = $5 WHERE run_id = $1;

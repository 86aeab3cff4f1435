-- The outcome of the job's latest run that was not skipped: $1 job.
SELECT status FROM job_runs WHERE job = $1 AND status <> 'skipped' ORDER BY run_id DESC LIMIT 1;

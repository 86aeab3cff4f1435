-- Runs a previous process left running died with it: $1 now.
UPDATE job_runs SET ended_at = $1, status = 'failed',
    error = 'interrupted: the process ended during the run'
WHERE status = 'running';

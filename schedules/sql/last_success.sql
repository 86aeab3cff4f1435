-- When the job last started a run that succeeded: $1 job.
SELECT max(started_at) FROM job_runs WHERE job = $1 AND status = 'ok';

-- Per job, what the daemon keeps in memory beside job_runs, as the history
-- left it: the outcome of its latest finished run and how many runs failed
-- since its latest success. A run still marked running was cut off by the
-- end of an earlier process (no other process holds the database): it
-- counts as failed, as Start records it. Skipped triggers are no runs.
WITH runs AS (
    SELECT job, run_id, CASE WHEN status = 'running' THEN 'failed' ELSE status END AS status
    FROM job_runs
    WHERE status IN ('ok', 'failed', 'running')
),
last_ok AS (
    SELECT job, max(run_id) AS run_id FROM runs WHERE status = 'ok' GROUP BY job
)
SELECT r.job,
       arg_max(r.status, r.run_id) = 'ok' AS last_ok,
       count(*) FILTER (WHERE r.status = 'failed' AND r.run_id > coalesce(l.run_id, 0)) AS consecutive_failures
FROM runs r
LEFT JOIN last_ok l ON l.job = r.job
GROUP BY r.job
ORDER BY r.job;

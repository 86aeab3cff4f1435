-- Per job: when it first started, when a run last succeeded, how many
-- runs failed, and how long its latest finished run (ok or failed) took.
WITH latest AS (
    SELECT job,
           date_diff('microsecond', started_at, ended_at) / 1e6 AS seconds,
           row_number() OVER (PARTITION BY job ORDER BY ended_at DESC, run_id DESC) AS n
    FROM job_runs
    WHERE ended_at IS NOT NULL AND status IN ('ok', 'failed')
)
SELECT j.job,
       min(j.started_at) AS first_run,
       max(j.ended_at) FILTER (WHERE j.status = 'ok') AS last_success,
       count(*) FILTER (WHERE j.status = 'failed') AS failures,
       any_value(l.seconds) AS last_duration
FROM job_runs j
LEFT JOIN latest l ON l.job = j.job AND l.n = 1
GROUP BY j.job
ORDER BY j.job;

-- A small pipeline history with known metrics (see kpi.prom and
-- pipeline.prom): two report months of KPIs, deliveries, a refusal and
-- job runs. Areas (fixtureConfig): GM0014 + GM1966 = groningen, GM0106 =
-- drenthe, the regions add up to all; GM1966 is too small to publish.

INSERT INTO deliveries (source, file_name, sha256, format, received_at, rows_accepted, rows_quarantined) VALUES
    ('jgz',    'jgz_2026q3.csv',     'a1', 'csv',     '2026-11-01 10:00:00+00', 100, 2),
    ('jgz',    'jgz_2026q4.csv',     'a2', 'csv',     '2026-11-15 12:00:00+00',  50, 0),
    ('jzplus', 'jzplus_2026-10.csv', 'b1', 'csv',     '2026-11-02 08:00:00+00',  40, 1),
    -- every row quarantined: lands, but is no accepted delivery
    ('jzplus', 'jzplus_bad.csv',     'b2', 'parquet', '2026-11-20 09:00:00+00',   0, 5);

INSERT INTO refusals (source, file_name, sha256, refused_at, reason) VALUES
    ('toegang', 'toegang_bsn.csv', 'c1', '2026-11-10 09:00:00+00', 'column pseudonym holds BSN-like values');

INSERT INTO job_runs (job, started_at, ended_at, status, error, rows) VALUES
    ('cycle',            '2026-10-01 06:00:00+00', '2026-10-01 06:05:00+00', 'ok',      NULL, 0),
    ('cycle',            '2026-11-01 06:00:00+00', '2026-11-01 06:00:30+00', 'failed',  'database locked', 0),
    ('cycle',            '2026-11-01 06:01:00+00', '2026-11-01 06:03:00+00', 'ok',      NULL, 0),
    ('pull:jgz-inbox',   '2026-11-01 10:00:00+00', '2026-11-01 10:00:02+00', 'ok',      NULL, 102),
    ('pull:jgz-inbox',   '2026-11-15 12:00:00+00', NULL,                     'running', NULL, 0),
    ('pull:jzplus-sftp', '2026-11-02 08:00:00+00', '2026-11-02 08:00:10+00', 'failed',  'connection refused', 0);

INSERT INTO kpi_targets VALUES
    ('spoed_share', 0.0, '2027-12-01', true),
    ('va_coverage', 1.0, '2027-12-01', false);

INSERT INTO kpi_history (month, window_start, window_end, kpi, area_type, area, numerator, denominator, value, n_values) VALUES
    -- first window: the glide paths start from what it published. perspective_education of
    -- drenthe is 0, so groningen's is withheld with it: only all has
    -- that glide path; va_coverage's denominator is too small for any.
    ('2025-10-01', '2024-11-01', '2025-10-31', 'placements',  'total',  'all',       NULL, NULL, 50,   50),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'placements',  'region', 'groningen', NULL, NULL, 30,   30),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'placements',  'region', 'drenthe',   NULL, NULL, 20,   20),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'spoed_share', 'total',  'all',       30,   50,   0.6,  50),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'spoed_share', 'region', 'groningen', 20,   30,   0.6666666666666666, 30),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'spoed_share', 'region', 'drenthe',   10,   20,   0.5,  20),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'perspective_education', 'total',  'all',       20, 50, 0.4, 50),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'perspective_education', 'region', 'groningen', 20, 30, 0.6666666666666666, 30),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'perspective_education', 'region', 'drenthe',   0,  20, 0.0, 20),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'va_coverage', 'total',  'all',       4,    8,    0.5,  8),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'occupancy',   'total',  'all',       NULL, NULL, 35,   35),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'occupancy',   'region', 'groningen', NULL, NULL, 25,   25),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'occupancy',   'region', 'drenthe',   NULL, NULL, 10,   10),
    -- its municipalities, consistent with the regions: GM1966 has none,
    -- so GM0014 is withheld with it and groningen stays.
    ('2025-10-01', '2024-11-01', '2025-10-31', 'placements',  'gemeente', 'GM0014', NULL, NULL, 30, 30),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'placements',  'gemeente', 'GM0106', NULL, NULL, 20, 20),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'spoed_share', 'gemeente', 'GM0014', 20, 30, 0.6666666666666666, 30),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'spoed_share', 'gemeente', 'GM0106', 10, 20, 0.5, 20),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'perspective_education', 'gemeente', 'GM0014', 20, 30, 0.6666666666666666, 30),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'perspective_education', 'gemeente', 'GM0106', 0, 20, 0.0, 20),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'occupancy',   'gemeente', 'GM0014', NULL, NULL, 25, 25),
    ('2025-10-01', '2024-11-01', '2025-10-31', 'occupancy',   'gemeente', 'GM0106', NULL, NULL, 10, 10),
    -- the report month. spoed_share: all 24 of 40 (published 25 of 40);
    -- groningen 17 of 25 is withheld for its complement of 8 and lies
    -- above 1 - 10/25; drenthe 7 of 15 has both sides small: no bound.
    ('2026-10-01', '2025-11-01', '2026-10-31', 'placements', 'total',    'all',       NULL, NULL, 40, 40),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'placements', 'region',   'groningen', NULL, NULL, 25, 25),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'placements', 'region',   'drenthe',   NULL, NULL, 15, 15),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'placements', 'gemeente', 'GM0014',    NULL, NULL, 20, 20),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'placements', 'gemeente', 'GM1966',    NULL, NULL, 5,  5),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'placements', 'gemeente', 'GM0106',    NULL, NULL, 15, 15),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'youths', 'total',    'all',       NULL, NULL, 36, 40),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'youths', 'region',   'groningen', NULL, NULL, 22, 25),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'youths', 'region',   'drenthe',   NULL, NULL, 14, 15),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'youths', 'gemeente', 'GM0014',    NULL, NULL, 18, 20),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'youths', 'gemeente', 'GM1966',    NULL, NULL, 4,  5),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'youths', 'gemeente', 'GM0106',    NULL, NULL, 14, 15),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'spoed_share', 'total',    'all',       24, 40, 0.6,                40),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'spoed_share', 'region',   'groningen', 17, 25, 0.68,               25),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'spoed_share', 'region',   'drenthe',   7,  15, 0.4666666666666667, 15),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'spoed_share', 'gemeente', 'GM0014',    15, 20, 0.75,               20),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'spoed_share', 'gemeente', 'GM1966',    2,  5,  0.4,                5),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'spoed_share', 'gemeente', 'GM0106',    7,  15, 0.4666666666666667, 15),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'va_coverage', 'total',    'all',       20, 40, 0.5,                40),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'va_coverage', 'region',   'groningen', 12, 25, 0.48,               25),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'va_coverage', 'region',   'drenthe',   8,  15, 0.5333333333333333, 15),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'va_coverage', 'gemeente', 'GM0014',    10, 20, 0.5,                20),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'va_coverage', 'gemeente', 'GM1966',    2,  5,  0.4,                5),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'va_coverage', 'gemeente', 'GM0106',    8,  15, 0.5333333333333333, 15),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'median_stay_days', 'total',    'all',       NULL, NULL, 120.5, 12),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'median_stay_days', 'region',   'groningen', NULL, NULL, 100,   8),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'median_stay_days', 'region',   'drenthe',   NULL, NULL, 90,    4),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'median_stay_days', 'gemeente', 'GM0014',    NULL, NULL, 100,   7),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'median_stay_days', 'gemeente', 'GM1966',    NULL, NULL, NULL,  0),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'median_stay_days', 'gemeente', 'GM0106',    NULL, NULL, 90,    4),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'median_wait_days', 'total',    'all',       NULL, NULL, 20,    40),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'outflow',          'total',    'all',       NULL, NULL, 22,    22),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'occupancy', 'total',    'all',       NULL, NULL, 30, 30),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'occupancy', 'region',   'groningen', NULL, NULL, 20, 20),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'occupancy', 'region',   'drenthe',   NULL, NULL, 10, 10),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'occupancy', 'gemeente', 'GM0014',    NULL, NULL, 18, 18),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'occupancy', 'gemeente', 'GM1966',    NULL, NULL, 2,  2),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'occupancy', 'gemeente', 'GM0106',    NULL, NULL, 10, 10),
    ('2026-10-01', '2025-11-01', '2026-10-31', 'readmitted_365', 'total', 'all',     3,    30,   0.1,  30),
    -- placements of a municipality no region lists: the data-quality count
    ('2026-10-01', '2025-11-01', '2026-10-31', 'placements', 'outside', 'outside', NULL, NULL, 13, 13);

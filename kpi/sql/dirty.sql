-- The report months ($2 to $3, first days) that the deliveries landed
-- after delivery $1 can change, in order. Which months a landed row can
-- change:
-- * a jgz, verzuim or toegang row dated d: the flags of its youth's
--   placements whose look-backs can hold d (from the earlier of start and
--   machtiging minus 730 days to the later of the two; every look-back
--   lies within that). Such flags count in the months whose 12-month
--   window holds the placement's start: its start month and the eleven
--   after it;
-- * a placed youth the history has not seen (not in kpi_history_links):
--   the start months of the youth's placements, likewise. A youth's
--   first row in toegang, or in JGZ or verzuim, whatever its date, turns
--   the linked_* flags of every placement of a youth the history has
--   seen: links.sql brings those two counts up to date in the months it
--   does not recompute (at national scale such youths start placements
--   in every month, and this made each increment recompute them all;
--   BENCHMARKS.md, change 22);
-- * a new version of a JZ+ placement (jzplus_history; a placement
--   delivered unchanged adds none): a new placement, or one whose youth,
--   municipality, machtiging, dates or perspectives changed, every month
--   from the month before the earlier start of the two versions (a start
--   also decides whether the youth's placement before it counts as
--   readmitted, in a month up to a year later; 31 days before the start
--   covers the month that can fall in; occupancy runs on while placed);
--   one whose einddatum alone changed, every month from the earlier
--   einddatum (outflow, stay, occupancy and its own readmission all date
--   from there); reden_einde alone, none.
-- A row delivered again unchanged counts as landed: that errs toward
-- recomputing more, never less.
WITH new AS (
    SELECT delivery_id FROM deliveries WHERE delivery_id > $1
),
placements AS (
    SELECT research_id, startdatum, machtigingsdatum FROM jzplus_history
),
events AS (
    SELECT 'jgz' AS source, research_id, contactdatum AS d FROM jgz WHERE delivery_id IN (SELECT delivery_id FROM new)
    UNION ALL
    SELECT 'verzuim', research_id, meldingsdatum FROM verzuim WHERE delivery_id IN (SELECT delivery_id FROM new)
    UNION ALL
    SELECT 'toegang', research_id, datum FROM toegang WHERE delivery_id IN (SELECT delivery_id FROM new)
),
-- Placed youths the history has not seen.
unseen AS (
    SELECT DISTINCT p.research_id
    FROM jzplus p
    ANTI JOIN kpi_history_links o USING (research_id)
),
versions AS (
    SELECT h.*,
           lag(research_id) OVER w AS p_research_id, lag(gemeente) OVER w AS p_gemeente,
           lag(machtiging) OVER w AS p_machtiging, lag(machtigingsdatum) OVER w AS p_machtigingsdatum,
           lag(startdatum) OVER w AS p_startdatum, lag(einddatum) OVER w AS p_einddatum,
           lag(perspectief_onderwijs) OVER w AS p_perspectief_onderwijs, lag(perspectief_wonen) OVER w AS p_perspectief_wonen,
           lag(delivery_id) OVER w AS p_delivery_id
    FROM jzplus_history h
    WINDOW w AS (PARTITION BY placement_key ORDER BY valid_from, delivery_id)
),
jzplus_dirty AS (
    SELECT min(CASE
        WHEN p_delivery_id IS NULL THEN startdatum - 31
        WHEN research_id IS DISTINCT FROM p_research_id OR gemeente IS DISTINCT FROM p_gemeente
          OR machtiging IS DISTINCT FROM p_machtiging OR machtigingsdatum IS DISTINCT FROM p_machtigingsdatum
          OR startdatum IS DISTINCT FROM p_startdatum
          OR perspectief_onderwijs IS DISTINCT FROM p_perspectief_onderwijs OR perspectief_wonen IS DISTINCT FROM p_perspectief_wonen
            THEN least(startdatum, p_startdatum) - 31
        WHEN einddatum IS DISTINCT FROM p_einddatum THEN least(einddatum, p_einddatum)
    END) AS d
    FROM versions
    WHERE delivery_id IN (SELECT delivery_id FROM new)
),
started_months AS (
    SELECT DISTINCT date_trunc('month', p.startdatum) AS m
    FROM events e JOIN placements p USING (research_id)
    WHERE e.d BETWEEN least(p.startdatum, coalesce(p.machtigingsdatum, p.startdatum)) - 730
                  AND greatest(p.startdatum, coalesce(p.machtigingsdatum, p.startdatum))
    UNION
    SELECT DISTINCT date_trunc('month', p.startdatum)
    FROM placements p JOIN unseen USING (research_id)
),
months AS (
    SELECT CAST(m + to_months(CAST(k AS INTEGER)) AS DATE) AS month
    FROM started_months, range(12) AS r(k)
    UNION
    SELECT CAST(g AS DATE)
    FROM jzplus_dirty, generate_series(CAST(date_trunc('month', d) AS TIMESTAMP), CAST($3 AS TIMESTAMP), INTERVAL 1 MONTH) AS s(g)
    WHERE d IS NOT NULL
)
SELECT month FROM months WHERE month BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE) ORDER BY month;

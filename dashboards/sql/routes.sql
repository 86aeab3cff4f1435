-- Klantroutes and time from first signal to placement for the dashboard:
-- the placements that started in the window ($1 to $2, inclusive) of a
-- municipality that a configured region lists, counted per region and per
-- route. A placement of a municipality no region lists belongs to no area
-- (SPEC section 2): all is the regions together, so it is left out here.
-- The unit is the placement, as in every KPI (SPEC section 4). Exact
-- counts: the dashboard applies disclosure control.
--
-- first_signal is the source of the youth's earliest signal in the 730 days
-- up to startdatum, as placement_timeline.first_signal_date defines a
-- signal (a JGZ signaal other than geen, any verzuim report, a toegang
-- aanmelding); on a tie JGZ goes before verzuim before toegang, and geen
-- means no signal in those two years. va, ambulant and beraad are the KPI
-- flags va_coverage, ambulant_before and beraad_with_youth. signal_bin
-- groups startdatum - first_signal_date in days.
WITH w AS (
    SELECT p.*,
        (SELECT min(j.contactdatum) FROM jgz j
         WHERE j.research_id = p.research_id AND j.signaal <> 'geen'
           AND j.contactdatum BETWEEN p.startdatum - 730 AND p.startdatum) AS jgz_date,
        (SELECT min(v.meldingsdatum) FROM verzuim v
         WHERE v.research_id = p.research_id
           AND v.meldingsdatum BETWEEN p.startdatum - 730 AND p.startdatum) AS verzuim_date
    FROM placement_timeline p
    WHERE p.startdatum BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
      AND p.region IS NOT NULL
),
routed AS (
    SELECT
        region,
        CASE
            WHEN first_signal_date IS NULL THEN 'geen'
            WHEN jgz_date = first_signal_date THEN 'jgz'
            WHEN verzuim_date = first_signal_date THEN 'verzuim'
            ELSE 'toegang'
        END AS first_signal,
        va_coverage AS va,
        ambulant_before AS ambulant,
        beraad_with_youth AS beraad,
        coalesce(machtiging, 'onbekend') AS machtiging,
        CASE
            WHEN first_signal_date IS NULL THEN 'geen'
            WHEN startdatum - first_signal_date <= 30 THEN 'd0_30'
            WHEN startdatum - first_signal_date <= 90 THEN 'd31_90'
            WHEN startdatum - first_signal_date <= 180 THEN 'd91_180'
            WHEN startdatum - first_signal_date <= 365 THEN 'd181_365'
            ELSE 'd366_730'
        END AS signal_bin
    FROM w
)
SELECT region, first_signal, va, ambulant, beraad, machtiging, signal_bin,
       count(*) AS placements
FROM routed
GROUP BY ALL
ORDER BY ALL;

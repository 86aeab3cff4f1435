-- Re-placements: how many placements youths had, and per calendar year
-- of ending how many ended placements were followed by another placement
-- of the same youth within 365 days (readmitted_365), with the median
-- time to the next placement.
SELECT 'placements per youth' AS measure, CAST(youth_placements AS VARCHAR) AS category,
       count(DISTINCT research_id) AS youths, NULL::BIGINT AS ended, NULL::BIGINT AS readmitted,
       NULL::DOUBLE AS readmitted_share, NULL::DOUBLE AS median_days_to_next
FROM placement
GROUP BY youth_placements
UNION ALL
SELECT 'readmitted within 365 days, by year of ending', CAST(year(einddatum) AS VARCHAR),
       count(DISTINCT research_id), count(*), count(*) FILTER (WHERE readmitted_365),
       round(count(*) FILTER (WHERE readmitted_365) / count(*), 4),
       median(readmitted_365_date - einddatum)
FROM placement
WHERE einddatum IS NOT NULL
GROUP BY year(einddatum)
ORDER BY measure, category;

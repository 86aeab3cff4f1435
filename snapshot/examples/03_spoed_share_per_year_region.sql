-- Share of placements that began with an emergency authorisation (spoed),
-- per calendar year of the start and region, with the Dutch label of the
-- authorisation kinds from the codebook. Placements of municipalities no
-- region lists are region '(buiten de regio''s)'.
SELECT year(p.startdatum) AS calendar_year,
       coalesce(p.region, '(buiten de regio''s)') AS region,
       count(*) AS placements,
       count(*) FILTER (WHERE p.spoed) AS spoed,
       round(count(*) FILTER (WHERE p.spoed) / count(*), 4) AS spoed_share,
       string_agg(DISTINCT c.label_nl, ', ' ORDER BY c.label_nl) AS kinds_seen
FROM placement p
JOIN codebook c ON c.code_list = 'jzplus.machtiging' AND c.code = p.machtiging
GROUP BY ALL
ORDER BY calendar_year, region;

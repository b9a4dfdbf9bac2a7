{{ config(materialized='table') }}

-- Neighbourhood crime (metric 17): police-recorded crimes of types Burglary, Robbery, Theft
-- from the person and Vehicle crime with Month in the 12-month window ending at the month end,
-- placed by their LSOA; and the rate per 1,000 residents. Lower is better. Windows where a
-- force's month is missing are not produced (int_crime__windows).
{{ crime_metric_rows('neighbourhood_crime', 'neighbourhood_crime_rate', 'neighbourhood_crime') }}

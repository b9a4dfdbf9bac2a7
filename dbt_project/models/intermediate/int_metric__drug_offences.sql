{{ config(materialized='table') }}

-- Drug offences (metric 16): police-recorded crimes of type Drugs with Month in the 12-month
-- window ending at the month end, placed by their LSOA; and the rate per 1,000 residents. No
-- polarity: more recorded drug offences can mean more enforcement. Windows where a force's
-- month is missing are not produced (int_crime__windows).
{{ crime_metric_rows('drug_offences', 'drug_offences_rate', 'drug_offences') }}

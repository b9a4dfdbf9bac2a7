"""Transform: the dbt project (`project`: its preparation and the folders a warehouse's builds
keep), its models, seeds and tests as Dagster assets and checks (`assets`), the metric catalogue
rendered for people (`catalogue`) and the Python reference for the SQL intervals
(`interval_reference`)."""

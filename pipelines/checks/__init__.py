"""Data checks run as Dagster asset checks: Great Expectations suites on raw tables and marts."""

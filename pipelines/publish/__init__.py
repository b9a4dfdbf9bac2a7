"""Publish: the disclosure-controlled copy of the marts written to the marts folder atomically
(`files`), the neighbour comparison made from the published numbers (`neighbours`), and their
Dagster assets beside the dbt docs page (`assets`)."""

"""Ingest: each raw file of the contract read, typed and checked into the warehouse's raw schema
(`load`), under the policy that decides what blocks a refresh and what is set aside (`policy`),
as one Dagster asset per file (`assets`)."""

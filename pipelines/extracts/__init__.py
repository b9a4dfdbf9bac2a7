"""Outcome packs for commissioners, built from the published (disclosure-controlled) marts."""

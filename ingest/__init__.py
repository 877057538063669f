"""PolicyKG ingest package."""

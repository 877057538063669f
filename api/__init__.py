"""PolicyKG api package."""

"""PolicyKG search package."""

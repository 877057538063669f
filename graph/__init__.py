"""PolicyKG graph package."""

"""Sentence embedding models for clause search."""

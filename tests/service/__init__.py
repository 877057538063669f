"""Tests of the service layer: workspace, lookup, answers, the service over them."""

"""Tests that kill planted mutants (mutation/mutants.py) in the flow engine."""

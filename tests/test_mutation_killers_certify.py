"""Tests that kill planted mutants (mutation/mutants.py) in the certify engine."""

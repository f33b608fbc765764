"""Bench agent: journal readings locally first, deliver them to the lab's server exactly once."""

"""Demonstration data: the believable demo laboratory and the data set at scale."""

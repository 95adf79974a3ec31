"""callreview: sales-call recordings in, evidence-backed scorecards and SLED coaching drafts out."""

__version__ = "0.1.0"

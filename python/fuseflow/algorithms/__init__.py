"""Native graph algorithms. Each runs in one call with the GIL released."""

from .pagerank import pagerank

__all__ = ["pagerank"]

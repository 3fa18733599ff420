"""krq: entities, dates and topics of news articles, queried with their provenance."""

__version__ = "0.1.0"

"""Events: who did what with whom, when and where (shared/spec/events.md)."""

from kyrgyz_ru.extract.events.extract import extract_events
from kyrgyz_ru.extract.events.lexicon import EventLexicon, lexicon_for, load_event_lexicon

__all__ = ["EventLexicon", "extract_events", "lexicon_for", "load_event_lexicon"]

"""Events: who did what with whom, when and where (shared/spec/events.md)."""

from kyrgyz_ru.extract.events.extract import extract_events
from kyrgyz_ru.extract.events.lexicon import EventLexicon, load_event_lexicon

__all__ = ["EventLexicon", "extract_events", "load_event_lexicon"]

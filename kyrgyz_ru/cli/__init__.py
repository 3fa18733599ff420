"""The krq command line: one module per command over the library, and the one error boundary."""

from kyrgyz_ru.cli.boundary import main

__all__ = ["main"]

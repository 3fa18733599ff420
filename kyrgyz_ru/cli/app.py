"""The typer application: the root options, and which module holds each command.

A run builds only the command it invokes (typer builds every registered command's parameters
on each start, and a query should not pay for the commands it does not run), so commands are
named here and imported on demand."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Annotated, Any

import typer

from kyrgyz_ru import __version__

SETTINGS: dict[str, Any] = {
    "name": "krq",
    "help": "Entities, dates and topics of news articles, each answer traced to its source.",
    "no_args_is_help": True,
    "add_completion": False,
    "pretty_exceptions_enable": False,
}
# command name -> module of kyrgyz_ru.cli holding it; the module's function is `<module>_cli`.
COMMANDS: dict[str, str] = {
    "entities": "entities",
    "mentions": "mentions",
    "show": "show",
    "docs": "docs",
    "ingest": "ingest",
    "export": "export",
    "eval": "evaluate",
    "topics": "topics",
    "timeline": "timeline",
    "events": "events",
    "network": "network",
    "trend": "trend",
}


class Flags:
    """What the root options set for the error boundary to read once the run ends."""

    debug = False


def root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")
    ] = False,
) -> None:
    """krq reads English news articles, extracts the people, organisations, places and dates
    in them, groups what they talk about into topics, and answers questions about them."""
    Flags.debug = debug
    if version:
        typer.echo(f"krq {__version__}")
        raise typer.Exit()


def command_function(name: str) -> Callable[..., None]:
    module = COMMANDS[name]
    found: Callable[..., None] = getattr(
        importlib.import_module(f"kyrgyz_ru.cli.{module}"), f"{module}_cli"
    )
    return found


def build(name: str | None = None) -> typer.Typer:
    """The app with just the command `name`, or with every command (help, --version, typos)."""
    app = typer.Typer(**SETTINGS)
    app.callback(invoke_without_command=True)(root)
    for command in COMMANDS if name not in COMMANDS else (name,):
        app.command(command)(command_function(command))
    return app

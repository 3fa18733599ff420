"""The index: extraction results in SQLite, where queries read them without loading spaCy."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from kyrgyz_ru.errors import IndexFault, UsageError
from kyrgyz_ru.store.migrations import (
    APPLICATION_ID,
    EXPECTED_TABLES,
    MIGRATIONS,
    SCHEMA_VERSION,
    TABLES_SQL,
    register_functions,
    statements,
)

DB_ENV = "KRQ_DB"
REBUILD_HINT = "rebuild it with: krq ingest --rebuild"


SIGNAL_STEPS = 100_000  # SQLite virtual machine steps between two looks at signals


def _let_signals_in() -> int:
    return 0  # go on: a pending signal's handler has run on the way here, or raises


def default_path() -> Path:
    """$KRQ_DB, else krq/index.db in the user's cache directory ($XDG_CACHE_HOME honoured)."""
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "krq" / "index.db"


class _ReadOnlyStorage(Exception):
    """The file exists but cannot be written here: open it read-only instead."""


class Index:
    """One open index file. Writes happen in explicit transactions (`with index.transaction()`)."""

    def __init__(self, path: Path, connection: sqlite3.Connection, readonly: bool = False) -> None:
        self.path = path
        self.db = connection
        # SQLite runs a query in C, where Python cannot act on Ctrl-C or SIGTERM: a long one
        # would make krq deaf to both. Calling back into Python every so many steps lets the
        # signal handlers run, and their exception stops the query (as "interrupted").
        connection.set_progress_handler(_let_signals_in, SIGNAL_STEPS)
        self.readonly = readonly  # opened read-only: its storage cannot be written
        self.created = False  # this open created the file: nobody has written to it yet

    # -- opening --------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        create: bool = True,
        readonly: bool = False,
        new_meta: Mapping[str, str] | None = None,
    ) -> Index:
        """Open the index at `path`, creating and migrating it as needed.

        `new_meta` goes into the meta table of an index this call creates, in the same
        transaction as its tables: no other process ever sees the new index without it.

        Whatever is at `path`, the outcome is an open index or an IndexFault that says what
        to do: a damaged file or another program's database, an index of a newer krq, a
        folder, a place where no file can be created. An index on storage that cannot be
        written (a read-only mount) opens read-only: queries work, writes raise IndexFault.
        """
        if path.is_dir():
            raise IndexFault(f"the index path {path} is a folder; give a file path with --db")
        exists = path.exists()
        if exists and not _is_regular(path):
            raise IndexFault(f"{path} is not a regular file; give an index file path with --db")
        if not exists and (readonly or not create):
            raise IndexFault(f"no index at {path}")
        if readonly:
            return cls._open_readonly(path)
        try:
            if not exists:
                path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if exists:
                raise IndexFault(f"cannot open the index at {path}: {reason}") from None
            raise IndexFault(
                f"cannot create the index at {path} ({reason}); choose a writable place "
                f"with --db or ${DB_ENV}"
            ) from None
        index = cls(path, db)
        index.created = not exists
        try:
            index._prepare(new_meta or {})
        except _ReadOnlyStorage as exc:
            if not exists:
                raise IndexFault(
                    f"cannot create the index at {path} ({exc}); choose a writable place "
                    f"with --db or ${DB_ENV}"
                ) from None
            return cls._open_readonly(path, exc)
        except BaseException:
            db.close()
            raise
        return index

    @classmethod
    def _open_readonly(cls, path: Path, why: Exception | None = None) -> Index:
        uri = path.resolve().as_uri()
        last: sqlite3.Error | None = None
        # A WAL index on read-only storage cannot get its -shm file: read it as immutable.
        for query in ("mode=ro", "mode=ro&immutable=1"):
            try:
                db = sqlite3.connect(f"{uri}?{query}", uri=True, timeout=30, isolation_level=None)
                index = cls(path, db, readonly=True)
                try:
                    index._check_readonly()
                except BaseException:
                    db.close()
                    raise
                return index
            except sqlite3.DatabaseError as exc:
                if _is_damage(exc):
                    raise IndexFault(_damaged(path, exc)) from None
                last = exc
        raise IndexFault(f"cannot open the index at {path}: {why or last}") from None

    def _prepare(self, new_meta: Mapping[str, str]) -> None:
        try:
            self.db.execute("PRAGMA busy_timeout = 30000")
            # Nothing is written to a file before it is known to be a krq index or empty:
            # switching another program's database to WAL would already change it.
            version = self._check_ours()
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            if _is_damage(exc):
                raise IndexFault(_damaged(self.path, exc)) from None
            raise _ReadOnlyStorage(str(exc)) from None  # e.g. read-only storage
        self._check_version(version)
        if version < SCHEMA_VERSION:
            self._migrate(new_meta)
        self._check_tables()

    def _check_readonly(self) -> None:
        self.db.execute("PRAGMA busy_timeout = 30000")
        version = self._check_ours()
        self._check_version(version)
        if version == 0:
            raise IndexFault(
                f"{self.path} is not a krq index and cannot be made one: the place is "
                f"read-only; choose a writable place with --db or ${DB_ENV}"
            )
        if version < SCHEMA_VERSION:
            raise IndexFault(
                f"the index at {self.path} was written by an older krq and cannot be "
                f"migrated where it is (read-only); copy it somewhere writable or {REBUILD_HINT}"
            )
        self._check_tables()

    def _check_ours(self) -> int:
        """The schema version, once the file is known to be a krq index or empty."""
        # One read transaction: another process may be creating this index right now, and
        # its tables and version must be seen together (both or neither).
        self.db.execute("BEGIN")
        try:
            version = self._version()
            application = int(self.db.execute("PRAGMA application_id").fetchone()[0])
            tables = self._tables()
        finally:
            self._rollback()
        if application not in (0, APPLICATION_ID) or (version == 0 and tables):
            raise IndexFault(
                f"{self.path} is an SQLite database but not a krq index; choose another file "
                f"with --db or ${DB_ENV}"
            )
        return version

    def _version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _tables(self) -> set[str]:
        return {r[0] for r in self.db.execute(TABLES_SQL)}

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise IndexFault(
                f"the index at {self.path} was written by a newer krq (schema {version}); "
                f"upgrade krq or {REBUILD_HINT}"
            )

    def _check_tables(self) -> None:
        try:
            missing = EXPECTED_TABLES - self._tables()
        except sqlite3.DatabaseError as exc:
            raise IndexFault(_damaged(self.path, exc)) from None
        if missing:
            raise IndexFault(
                f"the index at {self.path} is damaged (missing tables: "
                f"{', '.join(sorted(missing))}); {REBUILD_HINT}"
            )

    def _migrate(self, new_meta: Mapping[str, str]) -> None:
        """Bring the schema up to SCHEMA_VERSION, one numbered migration a transaction.

        Each step checks the version again inside its write lock, so two processes opening
        the same new or old index migrate it once; a step that fails leaves the index as it
        was before that step."""
        register_functions(self.db)
        for number in range(SCHEMA_VERSION):
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise IndexFault(describe_error(exc, self.path)) from None
            try:
                if self._version() == number:
                    if number == 0 and self._tables():
                        raise IndexFault(
                            f"{self.path} is an SQLite database but not a krq index; choose "
                            f"another file with --db or ${DB_ENV}"
                        )
                    for statement in statements(MIGRATIONS[number].sql):
                        self.db.execute(statement)
                    if number == 0:  # a new index: born with the meta its creator gives
                        self.db.executemany(
                            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                            list(new_meta.items()),
                        )
                    self.db.execute(f"PRAGMA user_version = {number + 1:d}")
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                if _is_readonly(exc) or "locked" in str(exc) or "full" in str(exc):
                    raise IndexFault(describe_error(exc, self.path)) from None
                raise IndexFault(
                    f"cannot migrate the index at {self.path} to schema {number + 1} ({exc}); "
                    + REBUILD_HINT
                ) from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self.db.in_transaction:
            # The error being reported matters more; SQLite rolls back on close anyway.
            with suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: all of the block's writes or none of them."""
        if self.readonly:
            raise IndexFault(describe_error(sqlite3.OperationalError("readonly"), self.path))
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise IndexFault(describe_error(exc, self.path)) from None
        try:
            yield self.db
        except sqlite3.Error as exc:
            self._rollback()
            # Storage faults (locked, read-only, full, I/O, damage) get a message; others are bugs.
            if isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError:
                raise IndexFault(describe_error(exc, self.path)) from None
            raise
        except BaseException:
            self._rollback()
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise IndexFault(describe_error(exc, self.path)) from None

    # -- reading --------------------------------------------------------------------------

    def document_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def stored_files(self) -> dict[str, tuple[str, str]]:
        """Each document's id -> (content hash, path it was read from)."""
        return {i: (sha, path) for i, sha, path in self.db.execute(
            "SELECT id, sha256, path FROM documents")}  # fmt: skip

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])


def describe_error(exc: sqlite3.Error, path: Path | None = None) -> str:
    """One line for an SQLite error met while using the index, saying what to do."""
    where = f" at {path}" if path else ""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"the index{where} is locked by another krq process; try again when it is done"
    if _is_readonly(exc):
        return f"the index{where} is read-only here; choose a writable place with --db or ${DB_ENV}"
    if "full" in text:
        return f"no space left for the index{where} ({text}); free some space or use --db"
    if path is not None and not is_krq_index(path):
        return f"{path} is not a krq index ({text}); choose another file with --db or ${DB_ENV}"
    return f"the index{where} is damaged ({text}); {REBUILD_HINT}"


def _is_readonly(exc: sqlite3.Error) -> bool:
    return "readonly" in str(exc) or "read-only" in str(exc)


def _is_damage(exc: sqlite3.Error) -> bool:
    # SQLITE_NOTADB and SQLITE_CORRUPT: the bytes are not (or no longer) an SQLite database.
    return "not a database" in str(exc) or "malformed" in str(exc)


def _damaged(path: Path, exc: sqlite3.Error) -> str:
    if is_krq_index(path):
        return f"the index at {path} is damaged ({exc}); {REBUILD_HINT}"
    return f"{path} is not a krq index ({exc}); choose another file with --db or ${DB_ENV}"


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


_SQLITE_MAGIC = b"SQLite format 3\x00"


def is_krq_index(path: Path) -> bool:
    """Whether the file at `path` is a krq index (damaged or not), read without changing it."""
    if not _is_regular(path):
        return False
    try:
        with path.open("rb") as file:
            header = file.read(100)
    except OSError:
        return False
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        return False
    application = int.from_bytes(header[68:72], "big")
    if application:
        return bool(application == APPLICATION_ID)
    # Indexes of krq before schema 3 carry no mark (nor do new ones whose header still waits
    # in the WAL file): look at their tables, read-only.
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            tables = {r[0] for r in db.execute(TABLES_SQL)}
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return version >= 1 and {"documents", "mentions", "meta"} <= tables


def check_replaceable(path: Path) -> None:
    """Raise IndexFault unless `path` is missing, an empty file or a krq index: what a rebuild
    may delete. Anything else (another program's database, a text file, a device) is refused
    and left as it is."""
    if not os.path.lexists(path):
        return
    if path.is_dir():
        raise IndexFault(f"the index path {path} is a folder; give a file path with --db")
    if _is_regular(path) and not path.is_symlink() and path.stat().st_size == 0:
        return
    if path.is_symlink() or not is_krq_index(path):
        raise IndexFault(
            f"{path} is not a krq index; --rebuild replaces only a krq index or an empty file: "
            f"choose another file with --db or ${DB_ENV}"
        )


def remove_index(path: Path) -> None:
    """Delete the index file at `path` with its WAL and shared-memory files; only a krq index
    or an empty file (check_replaceable), under the exclusive ingest lock (store.lock)."""
    check_replaceable(path)
    for suffix in ("", "-wal", "-shm"):
        target = Path(str(path) + suffix)
        try:
            target.unlink(missing_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot remove the old index {target}: {exc.strerror}") from None

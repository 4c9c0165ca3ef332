"""The SQLite dialect the services write, translated for PostgreSQL, once per distinct statement.

Services speak one small dialect (`?` placeholders, `INSERT OR REPLACE`, `INSERT OR IGNORE`), so their
SQL runs unchanged on either store. The PostgreSQL store passes every statement through `translate`:
placeholders become `%s`, and the two SQLite conflict verbs become `ON CONFLICT` on the table's key
(with the `trader` column in front: see pg_schema.CONFLICT_KEYS).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from backend.store.pg_schema import CONFLICT_KEYS

_CONFLICT_VERB = re.compile(r"^\s*INSERT\s+OR\s+(REPLACE|IGNORE)\s+INTO\s+(\w+)\s*\(([^)]*)\)", re.IGNORECASE)


class DialectError(ValueError):
    pass


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    pg = sql.replace("%", "%%").replace("?", "%s")
    match = _CONFLICT_VERB.match(pg)
    if match is None:
        return pg
    verb, table, column_list = match.group(1).upper(), match.group(2), match.group(3)
    pg = "INSERT INTO" + pg[pg.upper().index(" INTO") + len(" INTO") :]
    if table not in CONFLICT_KEYS:
        raise DialectError(f"INSERT OR {verb} into {table}: no conflict key known for it (pg_schema.CONFLICT_KEYS)")
    keys = ("trader", *CONFLICT_KEYS[table])
    if verb == "IGNORE":
        return f"{pg.rstrip().rstrip(';')} ON CONFLICT ({', '.join(keys)}) DO NOTHING"
    columns = [c.strip() for c in column_list.split(",")]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in keys)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    return f"{pg.rstrip().rstrip(';')} ON CONFLICT ({', '.join(keys)}) {action}"


_VALUES_INSERT = re.compile(r"^(INSERT INTO (\w+) \(([^()]*)\) VALUES )(\([^()]*\))(.*)$", re.DOTALL)


@dataclass(slots=True, frozen=True)
class InsertShape:
    """A translated single-row `INSERT … VALUES (…)`, split so many rows can share one statement."""

    head: str  # "INSERT INTO t (a, b) VALUES "
    row: str  # "(%s, %s)"
    tail: str  # " ON CONFLICT …" or ""
    upsert_key: tuple[int, ...] | None  # positions of the conflict key when the tail is DO UPDATE

    def statement(self, rows: int) -> str:
        """A `rows`-row INSERT with PostgreSQL's own `$n` placeholders (for psycopg's RawCursor, which
        skips psycopg's placeholder parsing: on a statement with thousands of parameters that parsing
        costs more than the server's work)."""
        return _numbered_statement(self, rows)


@functools.lru_cache(maxsize=256)
def _numbered_statement(shape: InsertShape, rows: int) -> str:
    width = shape.row.count("%s")
    values = ", ".join("(" + ", ".join(f"${r * width + c + 1}" for c in range(width)) + ")" for r in range(rows))
    return (shape.head + values + shape.tail).replace("%%", "%")


@functools.lru_cache(maxsize=512)
def insert_shape(sql: str) -> InsertShape | None:
    """The shape of a plain VALUES insert (translated from `sql`), or None for any other statement."""
    match = _VALUES_INSERT.match(translate(sql).strip().rstrip(";"))
    if match is None:
        return None
    head, table, column_list, row, tail = match.groups()
    key = None
    if "DO UPDATE" in tail:
        columns = [c.strip() for c in column_list.split(",")]
        key = tuple(columns.index(c) for c in CONFLICT_KEYS[table] if c in columns)
    return InsertShape(head, row, tail, key)

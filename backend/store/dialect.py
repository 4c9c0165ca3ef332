"""The SQLite dialect the services write, translated for PostgreSQL, once per distinct statement.

Services speak one small dialect (`?` placeholders, `INSERT OR REPLACE`, `INSERT OR IGNORE`), so their
SQL runs unchanged on either store. The PostgreSQL store passes every statement through `translate`:
placeholders become `%s`, and the two SQLite conflict verbs become `ON CONFLICT` on the table's key
(with the `trader` column in front: see pg_schema.CONFLICT_KEYS).
"""

from __future__ import annotations

import functools
import re

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
    pg = "INSERT INTO" + pg[pg.upper().index(" INTO") + len(" INTO"):]
    if table not in CONFLICT_KEYS:
        raise DialectError(f"INSERT OR {verb} into {table}: no conflict key known for it (pg_schema.CONFLICT_KEYS)")
    keys = ("trader", *CONFLICT_KEYS[table])
    if verb == "IGNORE":
        return f"{pg.rstrip().rstrip(';')} ON CONFLICT ({', '.join(keys)}) DO NOTHING"
    columns = [c.strip() for c in column_list.split(",")]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in keys)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    return f"{pg.rstrip().rstrip(';')} ON CONFLICT ({', '.join(keys)}) {action}"

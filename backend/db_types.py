"""Column types shared by every domain."""
from datetime import datetime, timedelta, timezone

import orjson
from sqlalchemy import Boolean, DateTime, Enum, Text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


def conflict_insert(model, bind):
    """An INSERT into ``model`` that can end in ON CONFLICT DO NOTHING / DO UPDATE, for ``bind``'s
    database: PostgreSQL and SQLite spell the clause alike, but SQLAlchemy builds it per dialect."""
    return (postgresql if bind.dialect.name == "postgresql" else sqlite).insert(model)


# China Standard Time, in which every user reads a time and a "day" or "year" begins (stored times are UTC).
CHINA = timezone(timedelta(hours=8))


def utcnow():
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always hands back timezone-aware UTC datetimes (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def str_enum(enum_cls, name):
    """A VARCHAR column with a CHECK constraint, holding the enum's API values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


class _JSONRowsText(TypeDecorator):
    """``json_rows``' value as the database writes it (text), read by orjson: several times faster than
    the standard library, which SQLAlchemy's JSON type uses, on a column every list row carries. The
    values are ours (ids, keys, sizes), never an integer beyond what orjson reads exactly."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value, dialect):
        return orjson.loads(value) if value is not None else None


class json_rows(FunctionElement):
    """Aggregate: one JSON array holding, for each row, an array of ``columns`` — on SQLite ``[]`` for
    no rows, on PostgreSQL NULL. Lets a query carry a few child rows per parent row in one column
    (a list page's photos), so reading them costs no second query."""

    type = _JSONRowsText()
    name = "json_rows"
    inherit_cache = True


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element, compiler, **kw):
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element, compiler, **kw):
    # As text: psycopg would otherwise decode the json itself, with the standard library.
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))::text"


class in_ids(FunctionElement):
    """``column IN (ids)``, ``ids`` a SELECT of one column of ids (never NULL): on PostgreSQL written
    ``column = ANY(ARRAY(ids))``, the ids read first (an InitPlan) and then looked up in ``column``'s
    index like a list of values. An OR of such conditions on indexed columns is then read as the union
    of the indexes (BitmapOr); of ``IN (SELECT …)`` conditions PostgreSQL makes hashed subplans and tests
    every row of the table against each. SQLite reads either form through its indexes and has no
    arrays: there it is the plain ``IN``."""

    type = Boolean()
    name = "in_ids"
    inherit_cache = True
    _is_implicitly_boolean = True  # a comparison: SQLite is not to be given "= 1" after it

    def __init__(self, column, ids):
        super().__init__(column, ids.scalar_subquery())


@compiles(in_ids)
def _in_ids(element, compiler, **kw):
    column, ids = element.clauses.clauses
    return f"{compiler.process(column, **kw)} IN {compiler.process(ids, **kw)}"


@compiles(in_ids, "postgresql")
def _in_ids_postgresql(element, compiler, **kw):
    column, ids = element.clauses.clauses
    return f"{compiler.process(column, **kw)} = ANY(ARRAY{compiler.process(ids, **kw)})"

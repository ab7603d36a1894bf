"""Indexes built online: the steps every migration that adds an index to a table in use shares (README,
"Online migrations"). A version file imports it as ``import online`` (alembic.ini's ``prepend_sys_path``
puts this directory on ``sys.path`` for every Alembic command).
"""
from alembic import op


def create_indexes(indexes, *, unique=False, refuse=None, analyze=None):
    """Build ``indexes`` ({name: "table (columns)[ WHERE predicate]"}, in that order) as
    ``CREATE [UNIQUE] INDEX IF NOT EXISTS name ON ...``.

    SQLite and the offline script (``--sql``) build them plainly, in the migrations' transaction. On
    PostgreSQL each is built CONCURRENTLY, outside a transaction (``autocommit_block``), so that writes to
    the table go on while it is read; a build interrupted half way leaves an INVALID index that
    ``IF NOT EXISTS`` would keep, so one is dropped (CONCURRENTLY too) and built again.

    ``refuse(conn)``, run first where the rows can be read (not in the offline script, whose unique build
    fails on the rows it would refuse and whose transaction then leaves everything as it was), stops the
    upgrade (``SystemExit``) before anything changes. ``analyze``: a table ANALYZEd after the builds on
    PostgreSQL online, for an expression index's statistics.
    """
    conn = op.get_bind()
    offline = op.get_context().as_sql
    if refuse is not None and not offline:
        refuse(conn)
    if conn.dialect.name != 'postgresql' or offline:
        for name, on in indexes.items():
            op.execute(_create(name, on, unique))
        return
    with op.get_context().autocommit_block():
        for name, on in indexes.items():
            valid = conn.exec_driver_sql(
                f"SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('{name}')").scalar()
            if valid is False:
                conn.exec_driver_sql(f'DROP INDEX CONCURRENTLY {name}')
            conn.exec_driver_sql(_create(name, on, unique, concurrently=True))
        if analyze:
            conn.exec_driver_sql(f'ANALYZE {analyze}')


def _create(name, on, unique, concurrently=False):
    return (f"CREATE {'UNIQUE ' if unique else ''}INDEX {'CONCURRENTLY ' if concurrently else ''}"
            f"IF NOT EXISTS {name} ON {on}")


def drop_indexes(names):
    """Drop ``names`` (``DROP INDEX IF EXISTS``): on PostgreSQL online CONCURRENTLY, outside a transaction,
    so that the table's reads and writes go on meanwhile; plainly on SQLite and in the offline script. With
    ``create_indexes``, an index is replaced without a moment the table has neither: the new one built
    first, the old one dropped after."""
    conn = op.get_bind()
    if conn.dialect.name != 'postgresql' or op.get_context().as_sql:
        for name in names:
            op.execute(f'DROP INDEX IF EXISTS {name}')
        return
    with op.get_context().autocommit_block():
        for name in names:
            conn.exec_driver_sql(f'DROP INDEX CONCURRENTLY IF EXISTS {name}')

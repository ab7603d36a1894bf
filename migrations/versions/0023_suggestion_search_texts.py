"""suggestion_search_texts: each item's content, with an index of its characters and pairs, for the keyword search (PostgreSQL)

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-27 15:00:00.000000

The keyword box (the console's queue and export, the API's q=) searches the content (``content LIKE
'%路灯%'``), which no B-tree serves: a city's or a province's search read every item in scope (about
0.2-1 s at 1,000,000 items, more as they grow). ``suggestion_content_grams(content)`` is the set of the
content's single characters and pairs of adjacent characters (路灯坏了 → 路, 灯, 坏, 了, 路灯, 灯坏, 坏了);
``ix_suggestion_search_texts_grams`` a GIN index of it: an item holding a keyword holds every pair of the
keyword (its one character for a one-character keyword), so ``grams @> ARRAY[the keyword's pairs]`` finds
the candidates through the index and ``LIKE`` keeps the exact ones. Unlike pg_trgm, which needs three
characters to use its index (most Chinese keywords are two: 路灯, 噪音) and an extension, this is core
PostgreSQL and serves keywords of every length. The function is IMMUTABLE: the index and the query write
it alike, collation included (``models.CONTENT_GRAMS``).

The index is on a table of its own, ``suggestion_search_texts`` (the item's id and a copy of its content),
written once, when an item is filed, by the trigger ``suggestions_search_text``: as an index on
``suggestions`` it was recomputed at every new version of an item's row (each workflow step, each flag
the sweep sets: 0.4-0.7 ms of PostgreSQL's time each at 1,000,000 items), since the table's many indexes
leave those updates no HOT path. The copy of the content (134 MB at 1,000,000 items of about 36 characters)
rather than the pieces themselves (785 MB: an array of short texts is stored uncompressed). The content
never changes after filing; were it ever updated, the trigger (AFTER INSERT OR UPDATE OF content) copies
it again. Deleting an item deletes its copy (ON DELETE CASCADE).

Online on PostgreSQL: filings go on while it runs (it took 77 s at 1,000,000 items when it was one
transaction, which held them off from its start to its end). Each step commits on its own (Alembic's
``autocommit_block``, which first commits the migrations before it), so no step holds a lock on
``suggestions`` while another works:

1. The functions, the table and the trigger, in one short transaction. Creating the table (its foreign
   key) and the trigger takes a lock on ``suggestions`` that waits for every open transaction writing to
   it, and while it waits every filing waits behind it: with ``lock_timeout`` (``LOCK_TIMEOUT``) it gives
   up rather than queue behind a long transaction, and tries again a few times (``LOCK_ATTEMPTS``). Once
   it commits, every item filed has its copy written by the trigger.
2. The items already there, copied in batches of ids (``COPY_BATCH``), each batch a statement and a
   transaction of its own (``ON CONFLICT DO NOTHING``: the trigger has copied the items filed since).
3. The index, ``CREATE INDEX CONCURRENTLY``: it reads the table twice and, at each phase, waits for
   the transactions then open to end (a long one delays it), but holds off no write.
4. ``ANALYZE``.

The version row moves to 0023 only after the last step. Interrupted anywhere (killed, a lock not taken,
the index build failing and leaving the index INVALID), the database stays at 0022 and ``db upgrade``
again finishes the job: every step can run again (``CREATE OR REPLACE``, ``IF NOT EXISTS``, the copy
skips the items copied, an invalid index is dropped and built again). At 1,000,000 items on the shared
2-core machine, busy (``bench/online_migration.py``, bench/README.md): 131-209 s (the copy 20 s, the
index 110 s), filings going on meanwhile, none waiting more than 0.6 s; as one transaction, 140-220 s
during which every filing waited.

Offline (``flask --app backend db upgrade --sql``: the SQL written out for a DBA to apply, no database
connected), there is nobody to retry a lock or to count batches: the script is plain, inside the
migration's transaction like every other step of it, with the same end state (``_as_one_script``):
the same functions, table, trigger and index, every item copied by one ``INSERT ... SELECT``, the index
built without ``CONCURRENTLY`` (which no transaction may hold). Applied, it holds off filings from
``CREATE TRIGGER`` to its ``COMMIT``, through the copy and the index build (online, at 1,000,000 items,
about 20 s and 110 s; the script's own time not measured): run it in a quiet hour, or upgrade online
(migrations/README).

SQLite, for development and small sites, searches the content by reading it, as before: nothing here.
"""
import logging
import time

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import OperationalError


# Each step's end, with the time it took, beside Alembic's own lines (``db upgrade`` prints them).
log = logging.getLogger('alembic.runtime.migration')

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

# How long creating the trigger may wait for the lock on suggestions (every filing waits as long behind
# it), how many times it tries, and how many ids a batch of the copy covers (about 0.1-0.3 s each).
LOCK_TIMEOUT = '1s'
LOCK_ATTEMPTS = 8
COPY_BATCH = 10_000

# The content's characters (string_to_array with no delimiter), then each with the next one. PL/pgSQL, as
# every PostgreSQL database has it: four times faster than the same in SQL, which every filing pays.
# Repeated pieces are left in: GIN keeps one of each.
CONTENT_GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION suggestion_content_grams(content text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    chars text[] := string_to_array(content, NULL);
    grams text[] := chars;
BEGIN
    FOR i IN 1 .. cardinality(chars) - 1 LOOP
        grams := grams || (chars[i] || chars[i + 1]);
    END LOOP;
    RETURN grams;
END
$$
"""


# Copies an item's content into suggestion_search_texts when it is filed, and again were its content ever
# changed (nothing does: the content is the citizen's text as filed). A workflow step or a sweep's flag,
# which writes a new version of the item's row, leaves the copy and its index alone: UPDATE OF content
# fires only for a statement setting the content.
SEARCH_TEXT_TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION suggestion_search_text_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO suggestion_search_texts (suggestion_id, content) VALUES (NEW.id, NEW.content)
    ON CONFLICT (suggestion_id) DO UPDATE SET content = EXCLUDED.content;
    RETURN NULL;
END
$$
"""


SEARCH_TEXTS_TABLE = """
CREATE TABLE IF NOT EXISTS suggestion_search_texts (
    suggestion_id integer PRIMARY KEY REFERENCES suggestions (id) ON DELETE CASCADE,
    content text NOT NULL)
"""

# The batch's items not copied yet; those filed since step 1 were copied by the trigger.
COPY_ITEMS = """
INSERT INTO suggestion_search_texts (suggestion_id, content)
SELECT id, content FROM suggestions WHERE id >= :start AND id < :stop
ON CONFLICT (suggestion_id) DO NOTHING
"""

# Offline: every item in one statement, in the script's transaction (the trigger, created just before in
# the same transaction, holds off filings until it commits).
COPY_ALL_ITEMS = """
INSERT INTO suggestion_search_texts (suggestion_id, content)
SELECT id, content FROM suggestions
ON CONFLICT (suggestion_id) DO NOTHING
"""

CREATE_TRIGGER = ('CREATE TRIGGER suggestions_search_text AFTER INSERT OR UPDATE OF content '
                  'ON suggestions FOR EACH ROW EXECUTE FUNCTION suggestion_search_text_write()')

# Compared bytewise (COLLATE "C"): the database's collation (C.UTF-8, zh_CN.UTF-8) would sort every key
# through the C library, which made building the index and every write to it twice as slow.
GRAMS_INDEX = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_suggestion_search_texts_grams ON suggestion_search_texts
USING gin ((suggestion_content_grams(content)) COLLATE "C")
"""


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    if op.get_context().as_sql:
        _as_one_script()
        return
    with op.get_context().autocommit_block():
        conn = op.get_bind()
        for step in (_create_table_and_trigger, _copy_items, _build_index, _analyze):
            began = time.monotonic()
            done = step(conn)
            log.info('0023: %s (%.1f s)', done, time.monotonic() - began)


def _create_table_and_trigger(conn):
    """Step 1, in a transaction of its own (the autocommit block's connection commits each statement)."""
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        conn.exec_driver_sql('BEGIN')
        try:
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            conn.exec_driver_sql(CONTENT_GRAMS_FUNCTION)
            conn.exec_driver_sql(SEARCH_TEXTS_TABLE)
            conn.exec_driver_sql(SEARCH_TEXT_TRIGGER_FUNCTION)
            # Created unless there (a run interrupted later): dropping it would lock out reads too.
            if not conn.exec_driver_sql("SELECT 1 FROM pg_trigger WHERE tgname = 'suggestions_search_text' "
                                        "AND tgrelid = 'suggestions'::regclass").scalar():
                conn.exec_driver_sql(CREATE_TRIGGER)
        except OperationalError as exc:
            conn.exec_driver_sql('ROLLBACK')
            if getattr(exc.orig, 'sqlstate', None) != '55P03':  # lock_not_available
                raise
            if attempt == LOCK_ATTEMPTS:
                raise RuntimeError(
                    f'迁移 0023 尝试 {LOCK_ATTEMPTS} 次，每次等待 {LOCK_TIMEOUT}，都未能取得 suggestions 表的锁（有长事务'
                    '正在写它，见 pg_stat_activity），未作任何改动：稍后再运行 flask --app backend db upgrade。') from exc
            time.sleep(attempt)
        except BaseException:
            conn.exec_driver_sql('ROLLBACK')
            raise
        else:
            conn.exec_driver_sql('COMMIT')
            return f'the trigger is in place (attempt {attempt})'


def _copy_items(conn):
    """Step 2: the ids there when the trigger came, batch by batch, each committed as it ends."""
    first, last = conn.exec_driver_sql('SELECT min(id), max(id) FROM suggestions').one()
    if first is None:
        return 'no items to copy'
    copied = 0
    for start in range(first, last + 1, COPY_BATCH):
        copied += conn.execute(text(COPY_ITEMS), {'start': start, 'stop': start + COPY_BATCH}).rowcount
    return f'{copied} items copied (ids {first} to {last})'


def _build_index(conn):
    """Step 3. A build that failed half way leaves the index INVALID (no query uses it, every write still
    maintains it), and ``IF NOT EXISTS`` would keep it: dropped first, then built again."""
    valid = conn.exec_driver_sql("SELECT indisvalid FROM pg_index "
                                 "WHERE indexrelid = to_regclass('ix_suggestion_search_texts_grams')").scalar()
    if valid is False:
        conn.exec_driver_sql('DROP INDEX CONCURRENTLY ix_suggestion_search_texts_grams')
    conn.exec_driver_sql(GRAMS_INDEX)
    return 'the index is built' if valid is not True else 'the index was there'


def _analyze(conn):
    """Step 4. How many items hold a character or a pair (whether to walk the queue newest first or ask
    the index) PostgreSQL reads from the statistics of the index's expression, which only ANALYZE gathers."""
    conn.exec_driver_sql('ANALYZE suggestion_search_texts')
    return 'analysed'


def _as_one_script():
    """Offline: the four steps as plain statements written to the script, in the migration's transaction
    (no autocommit block, no lock_timeout to retry, no batches, the index built in the transaction)."""
    for statement in (CONTENT_GRAMS_FUNCTION, SEARCH_TEXTS_TABLE, SEARCH_TEXT_TRIGGER_FUNCTION, CREATE_TRIGGER,
                      COPY_ALL_ITEMS, GRAMS_INDEX.replace(' CONCURRENTLY', ''), 'ANALYZE suggestion_search_texts'):
        op.execute(statement.strip())


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP TRIGGER suggestions_search_text ON suggestions')
    op.execute('DROP FUNCTION suggestion_search_text_write()')
    op.execute('DROP TABLE suggestion_search_texts')
    op.execute('DROP FUNCTION suggestion_content_grams(text)')

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

Upgrading a database with items copies them and builds the index over them all at once (77 s for
1,000,000 items on a shared 2-core machine). Creating the trigger holds off writes to ``suggestions``
until the migration commits (reads go on): run it outside office hours at a province's size.

SQLite, for development and small sites, searches the content by reading it, as before: nothing here.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

# The content's characters (string_to_array with no delimiter), then each with the next one. PL/pgSQL, as
# every PostgreSQL database has it: four times faster than the same in SQL, which every filing pays.
# Repeated pieces are left in: GIN keeps one of each.
CONTENT_GRAMS_FUNCTION = """
CREATE FUNCTION suggestion_content_grams(content text) RETURNS text[]
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
CREATE FUNCTION suggestion_search_text_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO suggestion_search_texts (suggestion_id, content) VALUES (NEW.id, NEW.content)
    ON CONFLICT (suggestion_id) DO UPDATE SET content = EXCLUDED.content;
    RETURN NULL;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(CONTENT_GRAMS_FUNCTION)
    op.execute('CREATE TABLE suggestion_search_texts ('
               'suggestion_id integer PRIMARY KEY REFERENCES suggestions (id) ON DELETE CASCADE, '
               'content text NOT NULL)')
    op.execute(SEARCH_TEXT_TRIGGER_FUNCTION)
    op.execute('CREATE TRIGGER suggestions_search_text AFTER INSERT OR UPDATE OF content ON suggestions '
               'FOR EACH ROW EXECUTE FUNCTION suggestion_search_text_write()')
    # The items already there, then the index over them all: much faster than maintaining it row by row.
    op.execute('INSERT INTO suggestion_search_texts (suggestion_id, content) SELECT id, content FROM suggestions')
    # Compared bytewise (COLLATE "C"): the database's collation (C.UTF-8, zh_CN.UTF-8) would sort every key
    # through the C library, which made building the index and every write to it twice as slow.
    op.execute('CREATE INDEX ix_suggestion_search_texts_grams ON suggestion_search_texts '
               'USING gin ((suggestion_content_grams(content)) COLLATE "C")')
    # How many items hold a character or a pair (whether to walk the queue newest first or ask the index)
    # PostgreSQL reads from the statistics of the index's expression, which only ANALYZE gathers.
    op.execute('ANALYZE suggestion_search_texts')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP TRIGGER suggestions_search_text ON suggestions')
    op.execute('DROP FUNCTION suggestion_search_text_write()')
    op.execute('DROP TABLE suggestion_search_texts')
    op.execute('DROP FUNCTION suggestion_content_grams(text)')

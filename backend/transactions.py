"""One transaction per request, ended the cheapest correct way.

A request that succeeds commits. A refused one (4xx, 5xx) must not leave anything it wrote, so its
transaction is rolled back — but only if it wrote something. Most refusals wrote nothing (an expired
token, a validation error, an item that is not there), and for a transaction that only read, COMMIT
and ROLLBACK are the same to the database, while to psycopg 3 they are not: on ROLLBACK it forgets
every prepared statement of the connection, and PostgreSQL then plans each query afresh (about 3 ms
for a list page's seven-table join) for its next several uses on that connection.

"Wrote" means: the session holds unflushed changes, or a statement that changes rows ran on the
session's connection since its transaction began (noted by an engine event, so Core statements and
flushes count alike).

Requests with a safe method (GET, HEAD, OPTIONS) only read, and are held to it: a statement that
would change rows fails — unless it is marked ``READER_MARK``: a note of what the caller has now seen
(消息中心's read marks when an item is opened), which nothing in the answer depends on; the request
then ends with a commit. On PostgreSQL they also run outside a transaction (a mark commits at once,
on its own), which saves the BEGIN and COMMIT round trips of every page view; it changes nothing they
see, since at READ COMMITTED each statement reads its own snapshot inside a transaction too. (SQLite's
driver opens no transaction for reads in the first place.) Such a request, when it succeeds having
loaded no ORM objects (the lists, ``/me``: Core reads) and made no mark, ends by closing the session: a
commit would run the unit of work only to find nothing to flush, expire or keep.
"""
import re

from sqlalchemy import event, update
from sqlalchemy.engine import Engine

from .errors import DATABASE_UNAVAILABLE, APIError, conflict, database_unavailable_response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY = "mashangban_read_only"  # an execution option of the request's connection
READER_MARK = "mashangban_reader_mark"  # a statement's execution option: a write a safe-method request may make
_OWN_READ_ONLY = "mashangban_own_read_only"  # in session.info: begin_request procured a read-only connection

# INSERT/UPDATE/DELETE/MERGE, also inside a WITH (a data-modifying CTE); SELECT ... FOR UPDATE only locks.
_CHANGES_ROWS = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|MERGE)\b|^\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b",
                           re.IGNORECASE | re.DOTALL)


class WriteInReadOnlyRequest(RuntimeError):
    """A GET (or HEAD, OPTIONS) handler tried to change rows: a bug, refused before it reaches the database."""


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, cursor, statement, parameters, context, executemany):
    read_only = conn.get_execution_options().get(READ_ONLY)
    if (read_only or "wrote" not in conn.info) and _CHANGES_ROWS.match(statement):
        if read_only and not (context is not None and context.execution_options.get(READER_MARK)):
            raise WriteInReadOnlyRequest(f"a safe-method request tried to change rows: {statement[:80]}")
        conn.info["wrote"] = True


def begin_request(session, method):
    """Procure the request's connection; a safe method's reads only, outside a transaction on PostgreSQL."""
    session.info.pop(_OWN_READ_ONLY, None)  # a request whose end never ran must not let a write be closed
    if method not in SAFE_METHODS:
        return
    if session.in_transaction():
        # An app context kept open around requests (as tests do): the request joins the open transaction,
        # still held to reading. The commit or rollback that ends the request releases the connection.
        session.connection().execution_options(**{READ_ONLY: True})
        return
    options = {READ_ONLY: True}
    if session.get_bind().dialect.name == "postgresql":
        options["isolation_level"] = "AUTOCOMMIT"
    session.connection(execution_options=options)
    session.info[_OWN_READ_ONLY] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _transaction_ended(conn):
    if conn.invalidated:  # the server dropped it (the rollback after a lost connection): nothing to forget
        return
    conn.info.pop("wrote", None)


def wrote(session):
    """Whether ending ``session``'s transaction with ROLLBACK would undo anything."""
    if session.new or session.dirty or session.deleted:
        return True
    transaction = session.get_transaction()
    if transaction is None:
        return False
    if not transaction.is_active:  # a flush failed in it: only a rollback ends it
        return True
    return bool(session.connection().info.get("wrote"))


def end_request_transaction(session, response):
    own_read_only = session.info.pop(_OWN_READ_ONLY, False)
    if (own_read_only and response.status_code < 400 and not session.identity_map and not session.new
            and not wrote(session)):
        # Nothing was or could be written, and no loaded object is left to expire: only the connection
        # goes back. (Objects a handler loaded keep the commit, which expires them; one it added, the
        # commit's flush, which refuses to write it; a reader's mark, the commit that keeps it; a refusal
        # ends as below.)
        session.close()
        return response
    if response.status_code < 400 or not wrote(session):
        try:
            session.commit()
        except DATABASE_UNAVAILABLE as exc:
            # The connection was lost at COMMIT (an after_request hook's exception would be a 500): the
            # same 503 as a connection lost earlier. A retry with the request's Idempotency-Key finds the
            # answer if the COMMIT did reach the database, and files afresh if it did not.
            return database_unavailable_response(exc)
    else:
        try:
            session.rollback()
        except DATABASE_UNAVAILABLE as exc:
            # Lost at a refusal's ROLLBACK (an after_request hook's exception would be a 500): the same 503
            # as a connection lost earlier. The server discards the open transaction of a connection it
            # lost, so nothing of the request is kept either way.
            return database_unavailable_response(exc)
    return response


def step(session, row, expected, message, **values):
    """Move ``row`` (a model with ``id`` and ``status``) from ``expected`` (a status, or several) to
    ``values`` (none: it stays, held all the same) in one conditional UPDATE, the step's first write;
    refused (409) with ``message`` (a function of the status found) when it is no longer there. Of two
    steps at once on the same row the second finds the status gone: the way 民生实事 rounds and
    立法意见征集 move on."""
    model = type(row)
    expected = expected if isinstance(expected, tuple) else (expected,)
    moved = session.execute(
        update(model).where(model.id == row.id, model.status.in_(expected))
        .values(**(values or {"status": model.status})).execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(row)
    if not moved:
        raise conflict(message(row.status))


def each_on_its_own(session, model, ids, act):
    """A sweep's step over the ``model`` rows of ``ids``: ``act(row)`` for each, each in a transaction of its
    own; one an administrator moved on meanwhile (``act`` refused with an APIError) is left as they left
    it. Returns how many were acted on."""
    done = 0
    for row_id in ids:
        try:
            act(session.get(model, row_id))
            session.commit()
            done += 1
        except APIError:
            session.rollback()
    return done

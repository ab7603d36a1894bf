"""Real parallel requests: calls released together by a barrier, for the race tests; and another's write
slipped in just before one of ours."""
import threading
from contextlib import contextmanager

import requests
from sqlalchemy import event


def released_together(*calls):
    """Run each call in its own thread, all released at the same instant; their responses in order.

    Fails the test if a call raised or the server answered 5xx.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for result in results:
        assert isinstance(result, requests.Response), result
        assert result.status_code < 500, result.text
    return results


@contextmanager
def inserted_meanwhile(engine, table, insert_sql):
    """Runs ``insert_sql`` just before the first ``INSERT INTO table`` sent through ``engine`` within the
    block (on the same connection, in the same transaction): a row someone else created after our reads and
    before our write, as a race would have it land."""
    done = []

    def insert_first(conn, cursor, statement, parameters, context, executemany):
        if not done and statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
            done.append(statement)
            cursor.execute(insert_sql)

    event.listen(engine, "before_cursor_execute", insert_first)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", insert_first)

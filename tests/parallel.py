"""Real parallel requests: calls released together by a barrier, for the race tests."""
import threading

import requests


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

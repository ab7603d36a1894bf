"""Throughput as phones meet it: an app served by gunicorn with the production settings, loaded by wrk.

Shared by the benchmarks. ``Served`` starts one gunicorn (``deploy/gunicorn.conf.py``: 2 workers of
4 threads unless WEB_CONCURRENCY / GUNICORN_THREADS say otherwise) on a free port; ``wrk_rps`` keeps
a fixed number of keep-alive connections busy for a few seconds and returns requests per second.
The bare Flask app in ``bare_app.py`` is served the same way, so both sides of every ratio pay the
same server, network and client costs.

wrk is Debian's ``wrk`` package (``apt-get install wrk``); its Lua scripts vary each request's body
and headers, so filings are distinct items from distinct citizens.
"""
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import NamedTuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUNICORN_CONFIG = os.path.join(ROOT, "deploy", "gunicorn.conf.py")
CONNECTIONS = 8  # the production workers × threads: every server thread has a request to work on


def wrk_available():
    return shutil.which("wrk") is not None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """``app_spec`` (``module:callable``) under gunicorn, importable from ``chdir``, with ``env`` added."""

    def __init__(self, app_spec, env=None, chdir=ROOT, ready_path="/", log_dir=None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log_dir = log_dir or tempfile.gettempdir()
        self.log_path = os.path.join(log_dir, f"gunicorn-{self.port}.log")
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", GUNICORN_CONFIG, "--bind", f"127.0.0.1:{self.port}",
             "--chdir", chdir, app_spec],
            env=dict(os.environ, **(env or {}), PORT=str(self.port)), stdout=self._log, stderr=subprocess.STDOUT,
        )
        self._wait_ready(ready_path)

    def _wait_ready(self, path, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn for {self.url} exited; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn for {self.url} did not answer within {timeout} s; see {self.log_path}")

    def cpu_seconds(self):
        """CPU time (user + system) the master and its workers have used so far; None off Linux."""
        pids = [self.process.pid]
        try:
            with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as f:
                pids += [int(pid) for pid in f.read().split()]
            total = 0
            for pid in pids:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
        except (FileNotFoundError, ProcessLookupError):
            return None
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


def serve_standin(log_dir=None):
    """The WeChat stand-in under gunicorn: one worker (its tokens and messages live in memory) of
    eight threads, keeping connections alive as WeChat's servers do. (Werkzeug's development server
    closes every connection, and a new connection and thread per call cost more than the call.)"""
    return Served("backend.wechat.standin:create_standin_app()", env={"WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "8"},
                  ready_path="/__standin__/messages", log_dir=log_dir)


def lua_requests(requests):
    """A wrk script that sends ``requests`` (dicts: method, path, headers, body) in turn, round robin."""
    def quote(value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    entries = []
    for r in requests:
        headers = ", ".join(f"[{quote(k)}] = {quote(v)}" for k, v in r.get("headers", {}).items())
        body = quote(r["body"]) if r.get("body") is not None else "nil"
        entries.append(f"  wrk.format({quote(r['method'])}, {quote(r['path'])}, {{{headers}}}, {body}),")
    return "\n".join([
        "local requests = {", *entries, "}",
        "local i = 0",
        "request = function()",
        "  i = i % #requests + 1",
        "  return requests[i]",
        "end",
    ])


class Load(NamedTuple):
    rps: float  # requests per second
    requests: int  # how many were sent in all
    cpu_ms: float | None  # the server's CPU time per request (master and workers), when known


def wrk_rps(served, script, seconds=5, connections=CONNECTIONS):
    """Load ``served`` (a Served) for ``seconds``; raises if any answer was not 2xx/3xx or a socket failed.

    Besides requests/s, the server's own CPU time per request: on a shared machine whose speed
    changes from one second to the next, it moves far less than the rate does."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
        path = f.name
    cpu_before = served.cpu_seconds()
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", path, served.url],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        os.unlink(path)
    cpu_after = served.cpu_seconds()
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if bad or errors:
        raise SystemExit(f"wrk saw failed requests against {served.url}:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    cpu_ms = 1000 * (cpu_after - cpu_before) / requests if cpu_before is not None and cpu_after is not None else None
    return Load(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), requests, cpu_ms)


class Bracketed(NamedTuple):
    """One kind of request measured over the rounds: its loads, and each one's ratio to the bare app."""

    loads: list  # Load per round
    ratios: list  # each round's requests/s over the mean of the bare runs just before and after it

    @property
    def rps(self):
        return statistics.median(load.rps for load in self.loads)

    @property
    def ratio(self):
        return statistics.median(self.ratios)

    @property
    def cpu_ms(self):
        return served_cpu_ms(self.loads)


def served_cpu_ms(loads):
    """The median server CPU time per request over ``loads``, or None when it was not measured."""
    known = [load.cpu_ms for load in loads if load.cpu_ms is not None]
    return statistics.median(known) if known else None


def bracketed(bare, kinds, rounds, seconds, report=print):
    """Measure every kind ``rounds`` times, each run between two runs of the bare app.

    ``bare`` is (Served, script); ``kinds`` maps a name to (Served, script), where script may also be a
    function of the round number (0-based) giving that round's script. On a shared machine whose
    speed changes from one second to the next, a ratio taken against the bare runs right beside it
    compares like with like, where separate runs of several seconds each could land on a fast and
    a slow spell. Returns ({name: Bracketed}, [bare Load per run]).
    """
    bare_served, bare_script = bare
    script_for = {name: (script if callable(script) else (lambda _n, s=script: s)) for name, (_, script) in kinds.items()}
    results = {name: Bracketed([], []) for name in kinds}
    bare_loads = [wrk_rps(bare_served, bare_script, seconds=seconds)]
    for n in range(rounds):
        for name, (served, _) in kinds.items():
            load = wrk_rps(served, script_for[name](n), seconds=seconds)
            bare_loads.append(wrk_rps(bare_served, bare_script, seconds=seconds))
            results[name].loads.append(load)
            results[name].ratios.append(load.rps / ((bare_loads[-2].rps + bare_loads[-1].rps) / 2))
        report(f"[served] round {n + 1}/{rounds}: bare {bare_loads[-1].rps:.0f}/s, " + ", ".join(
            f"{name} {r.loads[-1].rps:.0f}/s ({r.ratios[-1]:.2f})" for name, r in results.items()))
    return results, bare_loads

"""``python -m flask ARGS`` for the tests, without starting an interpreter and importing the app each time.

Run as a process of its own (``tests.test_operations.flask_command`` starts one per test process): it
imports Flask's command line and the app's modules once, without creating the app, then for each request
read from stdin (a JSON line: arguments, environment, working directory, two files for the output) forks a
child that becomes ``python -m flask ARGS`` from there on, with that environment, its stdout and stderr in
those files and no stdin, and answers the child's exit status as a line on stdout. The child runs Flask's
own ``__main__`` as ``-m`` would, so everything it prints, logs and exits with is what the operator gets;
only the interpreter's start and the imports (which read no setting) are shared.
"""
import importlib
import json
import os
import pkgutil
import runpy
import sys

import backend

# Imported once, for every child: Flask's command line and every module of the app (create_app imports
# its blueprints' as it runs); none reads a setting when imported.
for module in ("flask.cli", "flask_migrate.cli"):
    importlib.import_module(module)
for module in pkgutil.walk_packages(backend.__path__, "backend."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)

if __name__ == "__main__":
    for request in sys.stdin:
        request = json.loads(request)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
                os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
            sys.stdin = open(0, closefd=False)  # noqa: SIM115
            sys.argv = ["flask", *request["args"]]
            # As `python -m flask`: an exception ends the interpreter with its traceback and status 1,
            # SystemExit with its code; nothing of this loop runs again in the child.
            runpy.run_module("flask", run_name="__main__", alter_sys=True)
            sys.exit(0)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)

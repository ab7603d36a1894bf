"""Prepare the end-to-end database in one interpreter: `flask db upgrade`, then `flask demo-data`.

Run from the repository root with the environment backend.js sets (DATABASE_URL, ...).
"""
import sys

from flask_migrate import upgrade

from backend import create_app

app = create_app()
with app.app_context():
    upgrade()
    result = app.test_cli_runner().invoke(args=["demo-data"])
sys.stdout.write(result.output)
if result.exception and not isinstance(result.exception, SystemExit):
    raise result.exception
sys.exit(result.exit_code)

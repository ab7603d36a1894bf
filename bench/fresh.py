"""A bench's own database: a temporary SQLite file, or the empty database ``--database-url`` names.

Shared by the benches that build their data through the app (import_deputies.py, roster.py,
public_station.py); suggestions.py and points.py build theirs in bulk and manage their databases
themselves.
"""
import sys
import tempfile
from contextlib import contextmanager

from flask_migrate import upgrade
from sqlalchemy import func, select

from backend import create_app
from backend.config import normalise_database_url
from backend.extensions import db
from backend.org.models import Deputy


@contextmanager
def empty_app(database_url=None, **config):
    """The app on an empty database migrated to the latest revision, with the offline WeChat stand-in;
    ``config`` adds to its settings. Exits if the database already holds deputies (a bench's figures
    are for the data it built). A temporary SQLite file lasts as long as the block."""
    with tempfile.TemporaryDirectory() as tmp:
        url = normalise_database_url(database_url) if database_url else f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WECHAT_MODE": "fake", **config})
        with app.app_context():
            upgrade()
            if db.session.scalar(select(func.count()).select_from(Deputy)):
                sys.exit("the database already holds deputies; give the bench an empty one")
            db.session.remove()
        yield app


def database_kind(app):
    """"sqlite" or "postgresql", for the bench's first line."""
    return app.config["SQLALCHEMY_DATABASE_URI"].split("://")[0]

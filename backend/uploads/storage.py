"""Where photo bytes live, behind one small interface so object storage can replace the local disk.

A storage keeps opaque bytes under a key. Keys are random tokens the application generates
(:func:`new_key`), never names a user supplied; :class:`LocalStorage` still refuses anything that
does not look like one, so no key can reach outside its directory.
"""
import os
import re
import secrets
import tempfile

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,48}\.(jpg|png|webp)$")


class StorageError(Exception):
    """The storage could not do what was asked."""


class NotStored(StorageError, KeyError):
    """Nothing is stored under this key."""


def new_key(extension):
    """A fresh, unguessable key such as ``Xq3…_9w.jpg`` (128 random bits)."""
    return f"{secrets.token_urlsafe(16)}.{extension}"


def valid_key(key):
    return isinstance(key, str) and KEY_PATTERN.fullmatch(key) is not None


class Storage:
    """The interface: ``save`` bytes under a key, ``open`` them again, ``delete`` them."""

    def save(self, key, data, content_type):  # pragma: no cover - interface
        raise NotImplementedError

    def open(self, key):  # pragma: no cover - interface
        """The stored bytes; :class:`NotStored` if there are none."""
        raise NotImplementedError

    def delete(self, key):  # pragma: no cover - interface
        """Remove the object; deleting what is not there is not an error."""
        raise NotImplementedError


class LocalStorage(Storage):
    """Files under one directory, fanned out by the key's first two characters."""

    def __init__(self, root):
        self.root = os.path.realpath(root)

    def _path(self, key):
        if not valid_key(key):
            raise NotStored(key)
        path = os.path.realpath(os.path.join(self.root, key[:2], key))
        if os.path.dirname(os.path.dirname(path)) != self.root:  # belt and braces: never outside root
            raise NotStored(key)
        return path

    def save(self, key, data, content_type):
        path = self._path(key)
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        # Write to a temporary file and rename: a reader never sees half a photo.
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    def open(self, key):
        try:
            with open(self._path(key), "rb") as fh:
                return fh.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotStored(key) from None

    def delete(self, key):
        try:
            os.unlink(self._path(key))
        except (FileNotFoundError, NotStored):
            pass


def save_in_transaction(session, storage, key, data, content_type):
    """Save bytes that belong with rows ``session`` is about to write: should its transaction roll
    back (a failed flush, a refused request, a retried request that lost to its twin), the bytes are
    deleted with it, so no file outlives the row that would have named it."""
    storage.save(key, data, content_type)
    session.info.setdefault(_SAVED, []).append((storage, key))


def delete_after_commit(session, storage, key):
    """Delete the bytes under ``key`` once ``session``'s transaction, which deletes the row naming them,
    commits: rolled back, the row and its file both stay."""
    session.info.setdefault(_DOOMED, []).append((storage, key))


_SAVED = "mashangban_saved_files"
_DOOMED = "mashangban_doomed_files"


@event.listens_for(Session, "after_rollback")
def _delete_saved(session):
    for storage, key in session.info.pop(_SAVED, []):
        storage.delete(key)
    session.info.pop(_DOOMED, None)


@event.listens_for(Session, "after_commit")
def _keep_saved(session):
    session.info.pop(_SAVED, None)
    for storage, key in session.info.pop(_DOOMED, []):
        storage.delete(key)


def get_storage(app=None):
    """The storage configured for ``app`` (``UPLOAD_STORAGE``; only ``local`` so far)."""
    config = (app or current_app).config
    kind = config.get("UPLOAD_STORAGE", "local")
    if kind == "local":
        return LocalStorage(config["UPLOAD_DIR"])
    raise RuntimeError(f"Unknown UPLOAD_STORAGE {kind!r}; expected 'local'.")

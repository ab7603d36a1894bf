"""Deleting photos that were uploaded and never attached (the sweep's work).

A photo is uploaded before the form it belongs to is sent: a citizen who gives up half-way, or anyone
uploading for no form at all, leaves photos that nothing will ever show. A photo is attached when it is on
a suggestion (``Upload.suggestion_id``) or on a research report (``ResearchReportPhoto``); those are all
the owners an upload has. One on neither and older than ``UPLOAD_UNATTACHED_HOURS`` is deleted, its row
and then (once the deletion has committed) its file.

Filing and reports lock the photos they attach (``FOR UPDATE``, in id order) before reading them; the
sweep locks the ones it means to delete the same way, skipping any held by a request in flight, and
deletes only those still unattached once locked: a photo attached at that instant stays.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, exists, select

from ..db_types import utcnow
from ..extensions import db
from ..research.models import ResearchReportPhoto
from .models import Upload
from .storage import delete_after_commit, get_storage

PURGE_BATCH = 500


def _unattached(cutoff):
    return (Upload.suggestion_id.is_(None), Upload.created_dt < cutoff,
            ~exists().where(ResearchReportPhoto.upload_id == Upload.id))


def purge_unattached(now=None):
    """Delete the photos on no suggestion and no report uploaded more than UPLOAD_UNATTACHED_HOURS ago, a batch
    per transaction; returns how many went. Safe to run again at any time, and alongside requests."""
    cutoff = (now or utcnow()) - timedelta(hours=current_app.config["UPLOAD_UNATTACHED_HOURS"])
    storage = get_storage()
    purged = 0
    after = 0
    while True:
        ids = db.session.scalars(
            select(Upload.id).where(Upload.id > after, *_unattached(cutoff)).order_by(Upload.id)
            .limit(PURGE_BATCH).with_for_update(skip_locked=True)).all()
        if not ids:
            db.session.commit()
            return purged
        after = ids[-1]
        # Read again once locked: a filing that attached one of them just before is seen now.
        doomed = db.session.execute(select(Upload.id, Upload.key).where(Upload.id.in_(ids), *_unattached(cutoff))).all()
        if doomed:
            db.session.execute(delete(Upload).where(Upload.id.in_([row.id for row in doomed]))
                               .execution_options(synchronize_session=False))
            for row in doomed:
                delete_after_commit(db.session(), storage, row.key)
        db.session.commit()
        purged += len(doomed)

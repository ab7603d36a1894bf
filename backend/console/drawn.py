"""The state a console form was drawn in, so that a form drawn before a colleague's change is refused
rather than silently undoing that change or turning into another step (分派 into 改派, 确认 into 改约,
保存公开内容 into 恢复公开).

An edit or action form carries a hidden ``drawn`` field (``form_fields(record)``, beside the CSRF token):
a short digest of what the record's forms act on (``_EDITED``: an administrator account, with its 停用/启用
and 重置密码; a deputy; a station, with its 停用/重新启用; a suggestion), else the record's ``version`` (activities, appointments: every change counts it
up). A suggestion's digest leaves out what the sweep marks (超期, 临期, screening, deadlines): those change
no step an administrator takes on the item page, and a form drawn before them is not stale. The view calls ``check_drawn(record)`` before it changes anything: a
different state is refused with 409 and the page is drawn again as the record is now, what was typed
kept, carrying the state as it is now (sent again, the form is taken: its sender has seen the change).

A form without the field (a tab opened before it existed) is taken as before: nothing to compare.
"""
import hashlib
import json

from flask import request
from sqlalchemy import inspect, select

from ..auth.models import User
from ..errors import APIError
from ..extensions import db
from ..org.models import Deputy, Station, station_deputies
from ..suggestions.models import Suggestion

DRAWN_FIELD = "drawn"
STALE_MESSAGE = "这条记录刚刚被其他人修改过，请刷新后重试。"


def _ids(objects):
    return sorted(o.id for o in objects)


def _station_deputy_ids(station):
    return sorted(db.session.scalars(
        select(station_deputies.c.deputy_id).where(station_deputies.c.station_id == station.id)).all())


# What each edit form edits, for a record without a version of its own.
_EDITED = {
    User: lambda u: (u.display_name, u.admin_region_id, _ids(u.admin_stations), u.disabled_dt),
    Deputy: lambda d: (d.name, d.level.value, d.region_id, d.term, d.group, d.phone, d.active, d.bio,
                       _ids(d.stations)),
    Station: lambda s: (s.name, s.kind.value, s.region_id, s.address, s.lat, s.lng, s.open_hours, s.description,
                        _station_deputy_ids(s), s.closed_dt),
    Suggestion: lambda s: (s.status.value, s.round, s.station_id, s.deputy_id, s.category, s.supervised,
                           s.held_for_review, s.merged_into_id, s.forward_target, s.forward_department,
                           s.reply_content, s.public_consent, s.public_content, s.public_reply,
                           s.public_withheld_reason),
}


# A form of its own on a record's page that acts on one thing only (``part``): it is stale when that changed,
# not when anything else did. An account's 停用/启用 is not stale because the account changed its own password
# (every new account does at its first login) — nor its 重置密码 because of a rename.
_PARTS = {
    (User, "state"): lambda u: (u.disabled_dt,),
    (User, "password"): lambda u: (u.password_hash,),
}


def drawn_state(record, part=None):
    """The state of ``record`` a form drawn now carries: a digest of what its forms (or its ``part``'s form) act
    on, or its version."""
    edited = _PARTS[type(record), part] if part else _EDITED.get(type(record))
    if edited is None:
        mapper = inspect(record).mapper
        return str(getattr(record, mapper.get_property_by_column(mapper.version_id_col).key))
    values = edited(record)
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def check_drawn(record, message=STALE_MESSAGE, part=None):
    """Refuse (409, ``message``: a string, or a function of the record as it is now) a form drawn when
    ``record`` (its ``part``) was in another state. A form without ``drawn`` is taken: nothing to compare."""
    posted = request.form.get(DRAWN_FIELD, "").strip()
    if posted and posted != drawn_state(record, part):
        raise APIError(409, "conflict", message(record) if callable(message) else message)

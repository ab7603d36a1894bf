"""Filing a suggestion (码上办): the product's hottest write, in Core.

A citizen scans a code and files. One query finds what the code points at (a deputy and their
station, or a station) with the names the answer shows; three statements write the item, its
number and the first line of its timeline; the request commits them together.

The text is not screened here. WeChat's content check (msgSecCheck) is an HTTP call to another
company's servers: waiting for it inside the filing made every filing as slow as WeChat and, with
WeChat slow or down, held a server thread for each citizen filing. Every new item starts
``screening = "pending"`` and the sweep screens it (``sweep.screen_pending``); the deputy is told
about the item once its text has cleared (``services.notify_new_item``), and an item WeChat flags
is held for an administrator as before. Until then the item reaches only the people it is
addressed to — its citizen, its deputy, the station's staff — never a public page.
"""
from functools import cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, case, exists, func, insert, literal_column, select, update

from ..appointments.models import Appointment
from ..auth.scope import RegionRef
from ..db_types import utcnow
from ..errors import forbidden, validation_failed
from ..extensions import db
from ..org.closing import closed_since_checked
from ..org.models import Deputy, Region, Station, station_deputies
from ..qr.models import QRCode, QRKind
from ..qr.services import StationClosed, canonical_code, plausible_code, unknown_code, withdrawn
from ..research.models import ResearchReportPhoto
from ..uploads.models import Upload
from .models import Status, Suggestion, SuggestionEvent
from .services import CHINA, MAX_PHOTOS, dispatch_due_at, due_at
from .snapshots import ITEM_COLUMNS, Attachment, Citizen, Event, ItemSnapshot, Named

OWN_CODE = "不能通过自己的代表码提交建议，如需代群众登记请使用联络站码。"


def _deputy_station(deputies):
    """The station a deputy's item waits at (correlated on ``deputies``' row): one of their open stations in
    the region that elected them (a 长沙 deputy also received at a 怀化 station is triaged in 长沙, whose staff
    may see the citizen's phone), the first such by id; only a deputy received nowhere in their own region
    goes to their first open station. None when they have no open station."""
    own_stations = Station.__table__.alias("own_stations")
    station_home, deputy_home = Region.__table__.alias("station_home"), Region.__table__.alias("deputy_home")
    return (
        select(station_deputies.c.station_id)
        .join(own_stations, own_stations.c.id == station_deputies.c.station_id)
        .join(station_home, station_home.c.id == own_stations.c.region_id)
        .where(station_deputies.c.deputy_id == deputies.c.id, deputy_home.c.id == deputies.c.region_id,
               own_stations.c.closed_dt.is_(None))  # never a closed (停用) one
        .order_by(case((station_home.c.path.startswith(deputy_home.c.path), 0), else_=1),
                  station_deputies.c.station_id)
        .limit(1)
        .scalar_subquery()
    )


def deputy_station_id(deputy_id):
    """The id of the station an item of deputy ``deputy_id`` waits at (``_deputy_station``), or None."""
    deputies = Deputy.__table__
    return db.session.scalar(select(_deputy_station(deputies)).where(deputies.c.id == deputy_id))


@cache
def _target_statement():
    """What a code points at, for filing: the code's kind and state, the deputy (for a deputy's code),
    the station the item goes to (the station's own, or one of the deputy's, see below), the region the item
    counts in (the deputy's, or the station's), and the names and region paths the answer shows."""
    codes, deputies, stations = QRCode.__table__, Deputy.__table__, Station.__table__
    station_region, item_region = Region.__table__.alias("station_region"), Region.__table__.alias("item_region")
    is_deputy = codes.c.target_kind == QRKind.deputy
    deputy_station = _deputy_station(deputies)
    return (
        select(
            codes.c.target_kind, codes.c.revoked_dt,
            deputies.c.id.label("deputy_id"), deputies.c.name.label("deputy_name"),
            deputies.c.active.label("deputy_active"),
            stations.c.id.label("station_id"), stations.c.name.label("station_name"),
            stations.c.region_id.label("station_region_id"), stations.c.closed_dt.label("station_closed_dt"),
            station_region.c.path.label("station_region_path"), item_region.c.id.label("region_id"),
            item_region.c.path.label("region_path"),
        )
        .select_from(codes)
        .outerjoin(deputies, is_deputy & (deputies.c.id == codes.c.target_id))
        .outerjoin(stations, stations.c.id == case((is_deputy, deputy_station), else_=codes.c.target_id))
        .outerjoin(station_region, station_region.c.id == stations.c.region_id)
        .outerjoin(item_region, item_region.c.id == case((is_deputy, deputies.c.region_id), else_=stations.c.region_id))
        .where(codes.c.code == bindparam("code"))
    )


@cache
def _writes():
    """The filing's statements, built once: (insert the item, returning it as its answer shows it; set
    its number; add a timeline line)."""
    items = Suggestion.__table__
    return (
        insert(items).returning(*(items.c[name] for name in ITEM_COLUMNS)),
        update(items).where(items.c.id == bindparam("item_id")).values(number=bindparam("item_number")),
        insert(SuggestionEvent.__table__),
    )


@cache
def _photo_statements():
    """(the caller's unattached uploads among ``ids``, attach ``ids`` to ``item_id`` unless taken meanwhile,
    lock the rows of ``ids``). Unattached: on no suggestion and on no research report (a report's photo is its
    team's, never a suggestion's as well: ``ResearchReportPhoto``). The rows are locked (in id order, as a
    report locks them: ``research.services._photos``) before they are read, so that a report sending the same
    photo at the same instant either comes first and is seen, or waits for this filing and sees it."""
    uploads = Upload.__table__
    ids = bindparam("ids", expanding=True)
    free = (uploads.c.suggestion_id.is_(None),
            ~exists().where(ResearchReportPhoto.__table__.c.upload_id == uploads.c.id))
    return (
        select(uploads.c.id, uploads.c.key, uploads.c.width, uploads.c.height, uploads.c.screening)
        .where(uploads.c.id.in_(ids), uploads.c.owner_id == bindparam("owner_id"), *free),
        update(uploads).where(uploads.c.id.in_(ids), *free)
        .values(suggestion_id=bindparam("item_id")),
        select(uploads.c.id).where(uploads.c.id.in_(ids)).order_by(uploads.c.id).with_for_update(),
    )


def code_target(connection, code, refusal="这个二维码不能用于提交建议。"):
    """What a deputy's or a station's printed ``code`` points at (``_target_statement``'s row), or the
    contract's error: unknown, withdrawn, or a code of another kind (``refusal``). A code typed from the
    poster (capitals, spaces) counts as printed."""
    code = canonical_code(code)
    row = connection.execute(_target_statement(), {"code": code}).one_or_none() if plausible_code(code) else None
    if row is None:
        raise unknown_code()
    kind = row.target_kind
    if row.revoked_dt is not None:
        raise withdrawn(kind)
    if kind not in (QRKind.deputy, QRKind.station):
        raise validation_failed({"qr_code": [refusal]})
    if kind is QRKind.deputy and row.deputy_id is not None and not row.deputy_active:
        # Leaving office revokes a deputy's code; this guards data that reached the table another way.
        raise withdrawn(kind)
    if row.region_id is None:  # the code's deputy or station no longer exists
        raise unknown_code()
    if kind is QRKind.station and row.station_closed_dt is not None:
        raise StationClosed(db.session.get(Station, row.station_id))
    return row


def _photos(connection, user, ids):
    """The citizen's own unattached uploads ``ids``, in the order given."""
    ids = list(dict.fromkeys(ids or []))
    if len(ids) > MAX_PHOTOS:
        raise validation_failed({"attachment_ids": [f"最多上传 {MAX_PHOTOS} 张照片。"]})
    if not ids:
        return []
    # Locked first, read after: a separate statement sees what a report holding the rows wrote once it ends.
    connection.execute(_photo_statements()[2], {"ids": ids})
    rows = connection.execute(_photo_statements()[0], {"ids": ids, "owner_id": user.id})
    usable = {row.id: Attachment(*row) for row in rows}
    if len(usable) != len(ids):
        raise _photos_gone()
    return [usable[i] for i in ids]


def _photos_gone():
    return validation_failed({"attachment_ids": ["照片不存在或已被使用，请重新上传。"]})


def phone_key(text):
    """A phone number as deputies' phones are registered (11 digits), from the ways people write one: spaces,
    dashes, a +86 or 0086 prefix, full-width digits. A landline keeps its area code (never a deputy's);
    None for no number."""
    digits = "".join(str(int(ch)) for ch in str(text or "") if ch.isdecimal())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 and digits[len(prefix)] == "1":
            return digits[len(prefix):]
    return digits or None


@cache
def _filer_statement():
    """In one statement: the deputy whose registered phone is ``phone``; the deputy the caller's latest
    earlier item names as its filer, else the deputy whose phone the caller's latest 约见 with a deputy's phone
    gave. The caller's own rows, read through ``ix_suggestions_citizen`` and ``ix_appointments_citizen``."""
    deputies, items, meetings = Deputy.__table__, Suggestion.__table__, Appointment.__table__
    own_item = items.c.citizen_id == bindparam("user_id")
    own_meeting = meetings.c.citizen_id == bindparam("user_id")
    meeting_phone = deputies.c.phone == func.replace(meetings.c.contact_phone, literal_column("'-'"), literal_column("''"))
    latest_item = (select(items.c.filer_deputy_id).where(own_item, items.c.filer_deputy_id.is_not(None))
                   .order_by(items.c.id.desc()).limit(1).scalar_subquery())
    latest_meeting = (select(deputies.c.id).select_from(meetings.join(deputies, meeting_phone)).where(own_meeting)
                      .order_by(meetings.c.id.desc()).limit(1).scalar_subquery())
    return select(
        select(deputies.c.id).where(deputies.c.phone == bindparam("phone")).scalar_subquery().label("by_phone"),
        func.coalesce(latest_item, latest_meeting).label("latest"),
    )


class Filer(NamedTuple):
    deputy_id: int | None  # the deputy the filer is known to be, stored as the item's ``filer_deputy_id``
    # whether the filer is verified as the deputy whose code they file through: their WeChat is bound as that
    # deputy (the number WeChat's phone button proved). A typed phone never makes this true: see filer_deputy.
    is_code_deputy: bool
    newly_tied: bool  # the contact phone ties them to a deputy their earlier items are not tied to


def filer_deputy(connection, user, contact_phone, code_deputy_id) -> Filer:
    """Who of the deputies the filer is, by any identity we can tie to one: the WeChat user bound as the
    deputy; else the contact phone given now, when it is a deputy's registered phone; else a contact phone
    this identity gave with an earlier item or 约见 (a phone browser's identity is anonymous: the number it gives
    is all that ties it to anyone). A deputy filing from another number, giving none, is not told apart.

    Only the WeChat binding is verified. A typed number is anyone's to type: it marks the item as the deputy's
    own (no 办结/满意 points, the console says so) but never changes the filing's answer — were a filing at
    the deputy's code refused for it, anyone could test guesses of the deputy's mobile, one request each."""
    if user.deputy_id is not None:
        return Filer(user.deputy_id, user.deputy_id == code_deputy_id, False)
    row = connection.execute(_filer_statement(), {"phone": phone_key(contact_phone), "user_id": user.id}).one()
    return Filer(row.by_phone or row.latest, False, row.by_phone is not None and row.by_phone != row.latest)


def tie_earlier_items(connection, user_id, deputy_id):
    """The identity ``user_id`` gave deputy ``deputy_id``'s registered phone: it is the deputy's, and so are the
    items it filed before, those that name no filer deputy yet."""
    items = Suggestion.__table__
    connection.execute(update(items).where(items.c.citizen_id == user_id, items.c.filer_deputy_id.is_(None))
                       .values(filer_deputy_id=deputy_id))


def deputy_with_phone(connection, phone):
    """The id of the deputy whose registered phone ``phone`` is (as people write it: ``phone_key``), or None."""
    key = phone_key(phone)
    return None if key is None else connection.scalar(select(Deputy.__table__.c.id).where(Deputy.__table__.c.phone == key))


def file_suggestion(user, data) -> ItemSnapshot:
    """A citizen files after scanning: through a deputy's code it goes to that deputy, through a
    station's it waits there for dispatch. ``user`` is the request's Caller (id, display name).

    Returns the new item as its filer's answer shows it (``present``)."""
    if data["category"] not in current_app.config["SUGGESTION_CATEGORIES"]:
        raise validation_failed({"category": ["请选择有效的问题类别。"]})
    connection = db.session.connection()
    target = code_target(connection, data["qr_code"])
    to_deputy = target.target_kind is QRKind.deputy
    # Every input is checked before who files is: the answer to a request with a mistake in it says nothing
    # of the filer (the refusal below is for a verified identity only, see filer_deputy).
    photos = _photos(connection, user, data.get("attachment_ids"))
    filer = filer_deputy(connection, user, data.get("contact_phone"), target.deputy_id if to_deputy else None)
    if filer.is_code_deputy:
        # A deputy's item to themself would be theirs to accept, answer and close, for 履职积分 (and a 满意 from
        # themself): refused from the WeChat bound as them. A concern of their own goes through the station,
        # dispatched by its staff. An unverified tie (a typed phone) files as anyone's, marked as theirs.
        raise forbidden(OWN_CODE)
    location = data.get("location") or {}
    now = utcnow()
    values = dict(
        citizen_id=user.id, filed_via=target.target_kind.value, category=data["category"], content=data["content"],
        lat=location.get("lat"), lng=location.get("lng"), address=location.get("address", ""),
        contact_phone=data.get("contact_phone"), anonymous=data.get("anonymous", False),
        public_consent=data.get("public_consent", False), station_id=target.station_id,
        deputy_id=target.deputy_id if to_deputy else None, filer_deputy_id=filer.deputy_id, region_id=target.region_id,
        status=Status.assigned if to_deputy else Status.pending, screening="pending", held_for_review=False,
        assigned_dt=now if to_deputy else None,
        accept_due_dt=due_at(data["category"], "accept", now) if to_deputy else None,
        dispatch_due_dt=None if to_deputy else dispatch_due_at(now), created_dt=now, updated_dt=now,
    )
    insert_item, set_number, insert_event = _writes()
    columns = dict(connection.execute(insert_item, values).one()._mapping)
    if not to_deputy and closed_since_checked(connection, target.station_id):
        # Closed (停用) since the code was read. An item waiting for dispatch at a closed station would be seen
        # by nobody, and closing counts those first (org.services.set_station_closed, org.closing): read after
        # the insert, the station is seen closed by a closing that counted before the item existed. The
        # request's refusal rolls the item back. A deputy's item is with the deputy, which closing allows.
        raise StationClosed(db.session.get(Station, target.station_id))
    item_id = columns["id"]
    columns["number"] = f"MSB-{now.astimezone(CHINA):%Y%m%d}-{item_id:06d}"
    connection.execute(set_number, {"item_id": item_id, "item_number": columns["number"]})
    status = columns["status"].value
    filed = Event("file", None, status, "citizen", user.id, user.display_name or "", "", now)
    connection.execute(insert_event, {"suggestion_id": item_id, **filed._asdict()})
    if filer.newly_tied:
        tie_earlier_items(connection, user.id, filer.deputy_id)
    if photos:
        attach = _photo_statements()[1]
        attached = connection.execute(attach, {"ids": [p.id for p in photos], "item_id": item_id}).rowcount
        if attached != len(photos):  # another filing took one of them a moment ago
            raise _photos_gone()
    station = None if target.station_id is None else Named(
        target.station_id, target.station_name, RegionRef(target.station_region_id, target.station_region_path))
    return ItemSnapshot(
        columns, station, Named(target.deputy_id, target.deputy_name) if to_deputy else None,
        RegionRef(target.region_id, target.region_path), Citizen(user.id, user.phone), photos, [filed],
    )

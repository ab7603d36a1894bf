"""What the console's deputy choices share: how a deputy is told apart from a namesake, what the picker's
search (GET /console/deputy-options) matches, and the loader options that read a list's regions and stations
in one query each.

A province holds many 王伟: a choice shows, beside the name, the level, the region that elected the deputy,
their first stations and the last four digits of their mobile number (尾号). The search matches the name
or 代表小组, the end of the mobile number (4 to 11 digits), or the deputy's printed code (代表码) exactly."""
import re

from sqlalchemy import Integer, and_, any_, cast, func, or_, select, union
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import lazyload, selectinload

from ..extensions import db
from ..org.models import NAME_GRAMS, PHONE_REVERSED, Deputy, Station
from ..qr.models import QRCode, QRKind
from ..suggestions.queries import content_grams

PHONE_TAIL = re.compile(r"\d{4,11}")
PRINTED_CODE = re.compile(r"[a-z2-7]{16}")  # qr.services.new_code: 10 random bytes in lower-case base32


def picked_loading():
    """A list of deputies as a choice shows them: their regions and stations one query each, no codes."""
    return (lazyload(Deputy.live_qr), selectinload(Deputy.region),
            selectinload(Deputy.stations).lazyload(Station.live_qr))


def phone_tail(deputy):
    digits = re.sub(r"\D", "", deputy.phone or "")
    return digits[-4:] if len(digits) >= 4 else ""


def deputy_detail(deputy):
    """What tells the deputy apart from a namesake: 县（区）人大代表 · 鹤城区 · 城北联络站 · 尾号 0003."""
    parts = [deputy.level_label, deputy.region.name]
    if deputy.stations:
        parts.append("、".join(s.name for s in deputy.stations[:3]))
    tail = phone_tail(deputy)
    if tail:
        parts.append(f"尾号 {tail}")
    if not deputy.active:
        parts.append("已离任")
    return " · ".join(parts)


def deputy_label(deputy):
    """A deputy as an <option> reads: the name, then ``deputy_detail``."""
    return f"{deputy.name} · {deputy_detail(deputy)}"


def deputy_search_clause(q):
    """SQL condition on ``Deputy``: the search box's text ``q`` (trimmed, not empty) found in the name or
    the 代表小组, as the end of the mobile number, or as the printed code.

    Each way has an index (migration 0069, org.models), which the condition is written to use: as one OR
    of LIKEs PostgreSQL read every deputy (38-192 ms at a province's 140,000 deputies against about a
    millisecond, bench/README.md). The phone's end is the start of the phone reversed; the deputies it and
    the code find are read first, joined by UNION, as one array of ids (as a join, IN, PostgreSQL read a
    city's every deputy to meet them). On PostgreSQL a name or group holding ``q`` holds each of its pairs
    of characters (``content_grams``), which the GIN index of the names' pairs finds for a rare text; for a
    common one (王, 第) the planner walks the deputies in office by name (``ix_deputies_active_name``) and
    meets a page of matches soon, testing LIKE first so that the pairs are computed only for a match."""
    named = or_(Deputy.name.contains(q, autoescape=True), Deputy.group.contains(q, autoescape=True))
    ways = []
    if PHONE_TAIL.fullmatch(q):  # digits alone: nothing to escape
        ways.append(select(Deputy.id).where(PHONE_REVERSED.like(q[::-1] + "%")))
    code = q.lower()
    if PRINTED_CODE.fullmatch(code):
        ways.append(select(QRCode.target_id).where(
            QRCode.code == code, QRCode.target_kind == QRKind.deputy, QRCode.revoked_dt.is_(None)))
    if db.session.get_bind().dialect.name != "postgresql":  # SQLite reads the deputies (small sites)
        return or_(named, *(Deputy.id.in_(way) for way in ways))
    named = and_(named, NAME_GRAMS.contains(content_grams(q)))
    if not ways:
        return named
    ids = (union(*ways) if len(ways) > 1 else ways[0]).subquery()
    # cast: "= ANY (SELECT …)" would compare the id with each row (an array), not with its elements
    return or_(named, Deputy.id == any_(cast(select(func.array_agg(ids.c[0])).scalar_subquery(), ARRAY(Integer))))

"""Issuing, resolving and revoking printed codes (replacing one, logged: ``targets.reissue``).

Services change objects and ``flush()``; the request (or CLI command) commits once.
"""
import base64
import re
import secrets
import unicodedata

from flask import current_app
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import aliased

from ..db_types import utcnow
from ..errors import APIError, not_found
from ..extensions import db
from ..org import nearby
from ..org.models import Station
from .models import QRCode, QRKind

CODE_BYTES = 10  # 80 random bits → 16 base32 characters; fits a mini-program code's 32-char scene.
_CHUNK = 2000  # ids per IN (...) and rows per INSERT in the bulk helpers

REVOKED_MESSAGES = {
    QRKind.deputy: "这个二维码已停用：该代表可能已不再履职或已更换二维码。请扫描联络站张贴的最新二维码。",
    QRKind.station: "这个二维码已停用：该联络站可能已撤并或已更换二维码。请扫描现场张贴的最新二维码。",
    QRKind.activity: "这个签到码已失效，请扫描现场屏幕上的最新签到码。",
}


def new_code():
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").lower().rstrip("=")


def qr_url(code):
    return f"{current_app.config['PUBLIC_BASE_URL']}/q/{code}"


def issue(kind: QRKind, target_id: int) -> QRCode:
    qr = QRCode(code=new_code(), target_kind=kind, target_id=target_id)
    db.session.add(qr)
    db.session.flush()
    return qr


def issue_many(kind: QRKind, target_ids) -> int:
    """A new code for each of many targets that has no live one (a bulk import), in set-based statements:
    one look-up of the live codes and one executemany INSERT per chunk. Returns how many were issued."""
    target_ids = list(dict.fromkeys(target_ids))
    now = utcnow()
    issued = 0
    for start in range(0, len(target_ids), _CHUNK):
        chunk = target_ids[start:start + _CHUNK]
        live = set(db.session.scalars(select(QRCode.target_id).where(
            QRCode.target_kind == kind, QRCode.target_id.in_(chunk), QRCode.revoked_dt.is_(None),
        )))
        rows = [{"code": new_code(), "target_kind": kind, "target_id": i, "created_dt": now}
                for i in chunk if i not in live]
        if rows:
            # Into the table, not through the ORM's bulk insert: half the time for 50,000 codes.
            db.session.execute(insert(QRCode.__table__), rows)
            issued += len(rows)
    return issued


def revoke_many(kind: QRKind, target_ids, reason=None):
    """Revoke the live codes of many targets at once (deputies leaving office in a bulk import), saying
    why (``reason``: models.LEFT_OFFICE, which ``restore_many`` undoes)."""
    target_ids = list(target_ids)
    now = utcnow()
    for start in range(0, len(target_ids), _CHUNK):
        db.session.execute(
            update(QRCode)
            .where(QRCode.target_kind == kind, QRCode.target_id.in_(target_ids[start:start + _CHUNK]),
                   QRCode.revoked_dt.is_(None))
            .values(revoked_dt=now, revoked_reason=reason)
        )


def restore_many(kind: QRKind, target_ids, reason):
    """Make live again, for each of many targets without a live code, its latest code if it was revoked
    for ``reason`` (a deputy restored to office gets back the code printed on their posters): a newer code,
    or one an administrator stopped, is never undone. Returns how many were restored."""
    target_ids = list(dict.fromkeys(target_ids))
    newer = aliased(QRCode)
    restored = 0
    for start in range(0, len(target_ids), _CHUNK):
        chunk = target_ids[start:start + _CHUNK]
        latest = (select(func.max(newer.id)).where(newer.target_kind == kind, newer.target_id.in_(chunk))
                  .group_by(newer.target_id))
        restored += db.session.execute(
            update(QRCode)
            .where(QRCode.id.in_(latest), QRCode.revoked_reason == reason, QRCode.revoked_dt.is_not(None))
            .values(revoked_dt=None, revoked_reason=None)
            .execution_options(synchronize_session=False)
        ).rowcount
    return restored


def unknown_code():
    """The answer to a code that is not ours, or whose deputy or station is gone: 404."""
    return not_found("二维码无效：没有找到对应的代表或联络站。")


def withdrawn(kind: QRKind):
    """The answer to a revoked code (or a deputy's, out of office): 410, with a sentence a citizen understands."""
    return APIError(410, "qr_revoked", REVOKED_MESSAGES[kind])


CLOSED_STATION = "该联络站已停用，不再受理建议和约见。"


class StationClosed(APIError):
    """The answer to the code of a closed station (停用): 410 ``station_closed``, naming where to go instead
    (``instead``: the nearest open station, else the nearest region above it with open stations, else None;
    ``org.nearby.open_instead``). Its sentence ends with the mini-program's 附近联络站 button, which its page for
    this error shows; the web pages word their own around their link (templates/_closed_station.html). The code
    itself is kept: it works again when the station is reopened."""

    def __init__(self, station):
        instead = nearby.open_instead(station)
        if isinstance(instead, Station):
            where = f"请到附近的{instead.name}反映问题，或在“附近联络站”中查找。"
        elif instead is not None:
            where = f"请到{instead.name}的其他联络站反映问题，或在“附近联络站”中查找。"
        else:
            where = "请在“附近联络站”中查找其他联络站。"
        super().__init__(410, "station_closed", CLOSED_STATION + where)
        self.instead = instead


def canonical_code(code):
    """A code as it is stored, however it was typed from the poster (which prints it grouped by four,
    render._spaced_code): whitespace removed, full-width letters and digits folded, lower case
    ("HKHT YJSL 5YU5 XVXX " -> "hkhtyjsl5yu5xvxx"). Anything but a str is returned as it is."""
    if not isinstance(code, str):
        return code
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", code)).lower()


def find(code: str) -> QRCode:
    """The code as printed (or typed: ``canonical_code``), revoked or not; unknown codes are 404."""
    code = canonical_code(code)
    qr = db.session.scalar(select(QRCode).where(QRCode.code == code)) if plausible_code(code) else None
    if qr is None:
        raise unknown_code()
    return qr


def resolve(code: str) -> QRCode:
    """A live code; a revoked one answers 410."""
    qr = find(code)
    if qr.revoked:
        raise withdrawn(qr.target_kind)
    return qr


def revoke(qr: QRCode) -> QRCode:
    if not qr.revoked:
        qr.revoked_dt = utcnow()
        db.session.flush()
    return qr


def plausible_code(code):
    """Whether ``code`` could be one of ours (what new_code makes); anything else is not looked up."""
    return isinstance(code, str) and 0 < len(code) <= 32 and code.isalnum()

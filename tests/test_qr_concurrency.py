"""Replacing one printed code from two consoles at once, over real HTTP to a threaded server.

Whatever the interleaving, exactly one replacement wins (200 with the new code), the other is refused
with 409 and a Chinese message, nobody sees a 500, and the target keeps exactly one live code: the
winner's. (The partial unique index on live codes decides a true tie.)
"""
import requests
from sqlalchemy import select

from backend.extensions import db
from backend.qr.models import QRCode

from .parallel import released_together

ROUNDS = 5


def live_codes(station_id):
    db.session.expire_all()
    return db.session.scalars(select(QRCode.code).where(
        QRCode.target_kind == "station", QRCode.target_id == station_id, QRCode.revoked_dt.is_(None))).all()


def test_two_administrators_replacing_one_code_leave_exactly_one_live_code(factory, base_url):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    consoles = [factory.headers_for_admin(factory.admin("huaihua", region=tree["hh"])),
                factory.headers_for_admin(factory.admin("chengbei", stations=[station]))]
    code, station_id = station.qr_code, station.id
    db.session.close()  # the server threads use their own sessions
    for _ in range(ROUNDS):
        answers = released_together(*(
            lambda headers=headers: requests.post(f"{base_url}/api/v1/qr/{code}/rotate", headers=headers, timeout=30)
            for headers in consoles
        ))
        won = [a for a in answers if a.status_code == 200]
        lost = [a for a in answers if a.status_code != 200]
        assert len(won) == 1, [(a.status_code, a.text) for a in answers]
        assert lost[0].status_code == 409 and lost[0].json()["error"] == "conflict", lost[0].text
        assert lost[0].json()["message"]  # a sentence for the administrator
        code = won[0].json()["qr_code"]
        assert live_codes(station_id) == [code]
        db.session.close()

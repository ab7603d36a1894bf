"""注销 (DELETE /api/v1/me) while a request of the same citizen is in flight, over real HTTP to a threaded
server: whatever the order, nothing the request carried (a contact phone, a photo) outlives the erasure,
and a request that lost to it answers as an erased token does (401), never a 500.

The in-flight moment is made exact with an engine event that holds one request at its first write and
runs the other meanwhile (auth.scope._caller_statement's lock, auth.erasure.refuse_if_erased_meanwhile)."""
import io
import re
import threading
import time
from pathlib import Path

import pytest
import requests
from PIL import Image
from sqlalchemy import event, func, select, text

from backend.appointments.models import Appointment
from backend.extensions import db
from backend.suggestions.models import Suggestion
from backend.uploads.models import Upload

from .parallel import released_together

PHONE = "13722223333"
ERASED = "该账号已注销，请重新进入小程序或重新扫码。"
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
ROUNDS = 4


@pytest.fixture
def world(factory, app, base_url):
    tree = factory.tree()
    station = factory.station(tree["hc"], "城北联络站")
    zhang = factory.deputy(tree["hc"], "张伟", phone="13800000003", stations=[station])
    world = {"base": base_url, "code": zhang.qr_code, "factory": factory}
    db.session.close()  # the server threads use their own sessions
    return world


def citizen(world, name):
    headers = world["factory"].wechat_login(name)
    db.session.close()
    return headers


def file(world, headers):
    return requests.post(world["base"] + "/api/v1/suggestions", headers=headers, timeout=30, json={
        "qr_code": world["code"], "category": "城市管理", "content": "小区门口路灯坏了一个月，晚上很黑。",
        "contact_phone": PHONE})


def erase(world, headers):
    return requests.delete(world["base"] + "/api/v1/me", headers=headers, timeout=30)


def upload(world, headers):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return requests.post(world["base"] + "/api/v1/uploads", headers=headers, timeout=30,
                         files={"file": ("p.jpg", buffer.getvalue(), "image/jpeg")})


def stored_files(app):
    return {p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()}


def refused_as_erased(response):
    assert response.status_code == 401, response.text
    assert response.json()["message"] == ERASED


def ask(world, headers):
    return requests.post(world["base"] + "/api/v1/appointments", headers=headers, timeout=30, json={
        "qr_code": world["code"], "topic": "想当面反映小区加装电梯的困难", "contact_phone": PHONE,
        "preferred_time": "下周二上午"})


def left_behind():
    """(suggestions, appointments, photos, rows anywhere of those carrying the phone) in the database."""
    count = lambda query: db.session.scalar(select(func.count()).select_from(query.subquery()))  # noqa: E731
    counts = (count(select(Suggestion.id)), count(select(Appointment.id)), count(select(Upload.id)),
              count(select(Suggestion.id).where(Suggestion.contact_phone == PHONE))
              + count(select(Appointment.id).where(Appointment.contact_phone == PHONE)))
    db.session.close()
    return counts


class HoldAtFirstWrite:
    """Holds the first statement that changes rows, after ``arm``, until ``meanwhile`` (run then) returns."""

    def __init__(self, meanwhile):
        self.meanwhile, self.armed, self.fired = meanwhile, False, False

    def __call__(self, conn, cursor, statement, *args):
        if self.armed and not self.fired and WRITE.match(statement):
            self.fired = True
            self.meanwhile()


@pytest.fixture
def hold(app):
    holds = []

    def install(meanwhile):
        hook = HoldAtFirstWrite(meanwhile)
        event.listen(db.engine, "before_cursor_execute", hook)
        holds.append(hook)
        return hook

    yield install
    for hook in holds:
        event.remove(db.engine, "before_cursor_execute", hook)


def in_thread(call):
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("response", call()), daemon=True)
    thread.start()
    return thread, result


# What each request leaves when it wins (PostgreSQL: 注销 then erases it) — (suggestions, appointments,
# photos, phones): the item and the appointment stay, without the phone; the photo goes.
REQUESTS = {"filing": (file, (1, 0, 0, 0)), "appointment": (ask, (0, 1, 0, 0)), "photo": (upload, (0, 0, 0, 0))}


@pytest.mark.parametrize("kind", REQUESTS)
def test_a_request_held_at_its_first_write_while_the_account_is_erased_leaves_nothing_of_theirs(world, hold, app,
                                                                                                kind):
    """The request has been authenticated and is about to write when 注销 is asked. On SQLite 注销 commits
    first and the request is refused at its commit; on PostgreSQL 注销 waits for the request (it holds the
    citizen's row) and then erases what it left."""
    send, won = REQUESTS[kind]
    headers = citizen(world, "citizen-wang")
    erasing = {}

    def erase_meanwhile():
        thread, erasing["result"] = in_thread(lambda: erase(world, headers))
        thread.join(timeout=1.5)
        erasing["waited"] = thread.is_alive()
        erasing["thread"] = thread

    hook = hold(erase_meanwhile)
    before = stored_files(app)
    hook.armed = True
    sent = send(world, headers)
    assert hook.fired
    erasing["thread"].join(timeout=30)
    assert erasing["result"]["response"].status_code == 204
    if db.engine.dialect.name == "postgresql":
        assert erasing["waited"], "注销 should wait for the citizen's request in flight"
        assert sent.status_code == 201, sent.text
        assert left_behind() == won
    else:
        assert not erasing["waited"]
        refused_as_erased(sent)
        assert left_behind() == (0, 0, 0, 0)
    assert stored_files(app) == before


@pytest.mark.skipif("not __import__('os').environ.get('TEST_DATABASE_URL')", reason="PostgreSQL's row locks")
def test_a_filing_that_arrives_while_the_erasure_holds_the_account_is_refused(world, hold):
    """注销 has locked the citizen's row and is erasing; a filing of theirs arrives, waits for the row,
    and is refused once 注销 commits: nothing of it is written."""
    headers = citizen(world, "citizen-wang")
    filing = {}

    def file_meanwhile():
        filing["thread"], filing["result"] = in_thread(lambda: file(world, headers))
        for _ in range(200):  # until the filing waits for the erasure's lock on the row
            with db.engine.connect() as conn:  # a new transaction: pg_stat_activity is read once per transaction
                if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                     "AND datname = current_database()")).scalar():
                    break
            time.sleep(0.05)
        else:
            filing["never_waited"] = True

    hook = hold(file_meanwhile)
    hook.armed = True  # the next write is 注销's (the citizen signed in before)
    erasing_thread, erasing = in_thread(lambda: erase(world, headers))
    erasing_thread.join(timeout=30)
    assert "never_waited" not in filing, "the filing should wait for the erasure's lock on the citizen's row"
    assert erasing["response"].status_code == 204
    filing["thread"].join(timeout=30)
    refused_as_erased(filing["result"]["response"])
    assert left_behind() == (0, 0, 0, 0)


def test_filings_raced_against_the_erasure_leave_no_phone(world):
    """Released together, round after round: each filing is either in before 注销 (201, its phone then
    erased) or refused as erased (401); never a 500, never a phone left."""
    for round_ in range(ROUNDS):
        headers = citizen(world, f"citizen-{round_}")
        filed, erased = released_together(lambda: file(world, headers), lambda: erase(world, headers))
        assert erased.status_code == 204, erased.text
        if filed.status_code != 201:
            refused_as_erased(filed)
    suggestions, _, _, phones = left_behind()
    assert phones == 0
    assert suggestions <= ROUNDS

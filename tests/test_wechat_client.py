"""The WeChat client against the offline stand-in over real HTTP, and the shared access-token stores.

Every test talks HTTP to a real server: the stand-in (a fresh one where a test counts token
fetches or needs a short token lifetime), or a tiny misbehaving server for the failure modes.
Token stores run on the test database (SQLite, or PostgreSQL with TEST_DATABASE_URL) and on
Redis db 15 (skipped, loudly, only if no Redis answers at 127.0.0.1:6379). Each test uses its own
key prefix there and deletes its keys afterwards, so that concurrent test runs cannot disturb it.
"""
import gzip
import io
import json
import socket
import threading
import time
import traceback
from datetime import datetime, timezone
from urllib.parse import parse_qs

import pytest
import redis
import requests
from flask import Flask, Response
from PIL import Image
from sqlalchemy import create_engine, insert, select, update

from backend.db_types import utcnow
from backend.extensions import db
from backend.wechat import get_client
from backend.wechat.client import WeChatClient, WeChatError, WeChatUnavailable
from backend.wechat.models import ServiceToken
from backend.wechat.standin import create_standin_app
from backend.wechat.token_store import DatabaseTokenStore, RedisTokenStore, usable_seconds

from .conftest import REDIS_TEST_URL, serve_in_thread

APPID, SECRET = "wx-fake-appid", "fake-secret"


# --- servers ---------------------------------------------------------------------------------


class Server:
    """A WSGI app served over HTTP on a free local port."""

    def __init__(self, wsgi_app):
        self.server, self.base_url = serve_in_thread(wsgi_app)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def state(self):
        return requests.get(self.base_url + "/__standin__/messages", timeout=5).json()

    def token_fetches(self):
        return self.state()["token_fetches"]

    def token_requests(self):
        return self.state()["token_requests"]

    def force_refresh_elsewhere(self):
        """Another holder of the AppSecret forces a new stable token (invalidating ours)."""
        body = requests.post(
            self.base_url + "/cgi-bin/stable_token",
            json={"grant_type": "client_credential", "appid": APPID, "secret": SECRET, "force_refresh": True},
            timeout=5,
        ).json()
        return body["access_token"]


@pytest.fixture
def start_server():
    servers = []

    def start(wsgi_app):
        server = Server(wsgi_app)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def standin(start_server):
    """A fresh stand-in with WeChat's 2-hour tokens, so that its counters start at zero."""
    return start_server(create_standin_app(appid=APPID, secret=SECRET, token_ttl=7200))


class RejectingTokens:
    """WSGI middleware in front of the stand-in: API calls carrying a listed token get 40001.

    It plays a WeChat whose APIs reject a token that ``stable_token`` (normal mode) still hands out,
    the one case in which the client must use the scarce forced refresh.
    """

    def __init__(self, app):
        self.app = app
        self.rejected = set()
        self.reject_all = False
        self.api_calls = 0

    def __call__(self, environ, start_response):
        token = parse_qs(environ.get("QUERY_STRING", "")).get("access_token", [None])[0]
        if token is not None:
            self.api_calls += 1
            if self.reject_all or token in self.rejected:
                body = json.dumps({"errcode": 40001, "errmsg": "invalid credential"}).encode()
                start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
                return [body]
        return self.app(environ, start_response)


def broken_wechat():
    """A 'WeChat' that fails in the ways a gateway or proxy does, chosen by the js_code."""
    app = Flask("broken_wechat")

    @app.get("/sns/jscode2session")
    def jscode2session():
        from flask import request

        mode = request.args.get("js_code")
        if mode == "http500":
            return Response("internal error", status=500)
        if mode == "http502":
            return Response("<html><body>502 Bad Gateway</body></html>", status=502, mimetype="text/html")
        if mode == "html":
            return Response("<html><body>请登录上网认证</body></html>", mimetype="text/html")
        if mode == "list":
            return Response("[1, 2]", mimetype="application/json")
        if mode == "no-openid":
            return {"errcode": 0, "errmsg": "ok"}
        if mode == "gzip":  # compressed, as a gateway may send it: read as it comes all the same
            body = gzip.compress(b'{"openid": "unzipped", "session_key": "k"}')
            return Response(body, mimetype="application/json", headers={"Content-Encoding": "gzip"})
        if mode == "trickle":  # a whole, valid answer, 4 bytes at a time, 0.1 s apart: ~1 s in all
            body = b'{"openid": "trickled-in", "session_key": "k"}'

            def pieces():
                for start in range(0, len(body), 4):
                    yield body[start:start + 4]
                    time.sleep(0.1)

            return Response(pieces(), mimetype="application/json", headers={"Content-Length": str(len(body))})
        return Response("{truncated", mimetype="application/json")

    return app


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- token stores ----------------------------------------------------------------------------


@pytest.fixture
def engine(app):
    with app.app_context():
        yield db.engine


@pytest.fixture(params=["database", "redis"])
def new_store(request, app):
    """Makes token stores as separate workers would: each with its own connection pool, one backend."""
    opened = []
    if request.param == "database":
        url = app.config["SQLALCHEMY_DATABASE_URI"]

        def make():
            engine = create_engine(url)
            opened.append(engine)
            return DatabaseTokenStore(engine)

        def poison(value):
            engine = create_engine(url)
            opened.append(engine)
            with engine.begin() as conn:
                conn.execute(update(ServiceToken).values(value=value))

        def expire():
            engine = create_engine(url)
            opened.append(engine)
            with engine.begin() as conn:
                conn.execute(update(ServiceToken).values(expires_dt=datetime(2000, 1, 1, tzinfo=timezone.utc)))

    else:
        prefix = request.getfixturevalue("redis_prefix")
        token_key = f"{prefix}wechat_access_token:{APPID}"

        def make():
            # Alternate raw-bytes and decoded clients: the store must work with either.
            client = redis.Redis.from_url(REDIS_TEST_URL, decode_responses=len(opened) % 2 == 1)
            opened.append(client)
            return RedisTokenStore(client, prefix=prefix)

        def poison(value):
            client = redis.Redis.from_url(REDIS_TEST_URL)
            opened.append(client)
            assert client.set(token_key, value, ex=3600, xx=True)

        def expire():
            client = redis.Redis.from_url(REDIS_TEST_URL)
            opened.append(client)
            assert client.delete(token_key) == 1

    make.poison = poison
    make.expire = expire
    yield make
    for resource in opened:
        (resource.dispose if hasattr(resource, "dispose") else resource.close)()


def wechat(server, store, timeout=5.0, local_token_seconds=0):
    """A client that asks ``store`` for the token on every call (the store is what these tests test);
    the app's own client keeps it in the process for a while (see the test of that below)."""
    return WeChatClient(server.base_url, APPID, SECRET, store, timeout=timeout, local_token_seconds=local_token_seconds)


@pytest.fixture
def client(standin, engine):
    return wechat(standin, DatabaseTokenStore(engine))


# --- code2session ----------------------------------------------------------------------------


def test_code2session_turns_a_code_into_the_fake_openid(client):
    session = client.code2session("alice")
    assert session["openid"] == "fake-openid-alice"
    assert session["session_key"]


def test_code2session_invalid_code_is_a_wechat_error_40029(client):
    with pytest.raises(WeChatError) as caught:
        client.code2session("invalid")
    assert caught.value.errcode == 40029


def test_code2session_busy_is_unavailable(client):
    with pytest.raises(WeChatUnavailable, match="busy"):
        client.code2session("busy")


def test_unreachable_wechat_is_unavailable_and_the_secret_stays_out_of_the_traceback(engine):
    client = WeChatClient(f"http://127.0.0.1:{free_port()}", APPID, "top-secret-value", DatabaseTokenStore(engine), timeout=2)
    with pytest.raises(WeChatUnavailable) as caught:
        client.code2session("alice")
    # requests' own exception text carries the full URL, secret included; it must not be chained.
    assert "top-secret-value" not in "".join(traceback.format_exception(caught.value))


@pytest.mark.parametrize("mode", ["http500", "http502", "html", "list", "truncated", "no-openid"])
def test_a_broken_answer_is_unavailable_not_a_crash(start_server, engine, mode):
    broken = start_server(broken_wechat())
    with pytest.raises(WeChatUnavailable):
        wechat(broken, DatabaseTokenStore(engine)).code2session(mode)


def test_a_slow_wechat_times_out_as_unavailable(start_server, engine):
    app = Flask("slow_wechat")

    @app.get("/sns/jscode2session")
    def slow():
        time.sleep(1.5)
        return {"openid": "too-late"}

    slow_server = start_server(app)
    started = time.monotonic()
    with pytest.raises(WeChatUnavailable, match="Timeout"):
        wechat(slow_server, DatabaseTokenStore(engine), timeout=0.3).code2session("alice")
    assert time.monotonic() - started < 1.2


def test_the_timeout_bounds_the_whole_answer_not_each_read(start_server, engine):
    """An answer trickling in (a slow WeChat or egress proxy) must not hold the worker past the timeout,
    though no single read waits that long: the call gives up rather than wait for the answer to end."""
    broken = start_server(broken_wechat())
    client = wechat(broken, DatabaseTokenStore(engine), timeout=0.3)
    with pytest.raises(WeChatUnavailable, match="not complete within the timeout"):
        client.code2session("trickle")
    # Given the time, the same answer is read whole (and the client is not left broken); so is one compressed.
    client = wechat(broken, DatabaseTokenStore(engine), timeout=5)
    assert client.code2session("trickle")["openid"] == "trickled-in"
    assert client.code2session("gzip")["openid"] == "unzipped"


def test_a_proxy_set_in_the_environment_is_used(standin, engine, monkeypatch):
    """A government network may reach WeChat only through an HTTP proxy (HTTPS_PROXY / HTTP_PROXY):
    read when the client is made. The stand-in serves as the proxy for a host that does not resolve."""
    monkeypatch.setenv("HTTP_PROXY", standin.base_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    proxied = WeChatClient("http://api.weixin.invalid", APPID, SECRET, DatabaseTokenStore(engine), timeout=5)
    monkeypatch.delenv("HTTP_PROXY")
    assert proxied.code2session("alice")["openid"] == "fake-openid-alice"


# --- calls with the access token -------------------------------------------------------------


def test_phone_number_from_the_one_time_code(client):
    assert client.phone_number("phone-13800000001") == "13800000001"


@pytest.mark.parametrize("code", ["13800000001", "phone-", "phone-abc"])
def test_bad_phone_code_is_a_wechat_error_40029(client, code):
    with pytest.raises(WeChatError) as caught:
        client.phone_number(code)
    assert caught.value.errcode == 40029


def test_msg_sec_check_flags_the_forbidden_marker(client):
    assert client.msg_sec_check("fake-openid-alice", "小区门口有人在做违禁测试，请处理") == "risky"
    assert client.msg_sec_check("fake-openid-alice", "小区路灯坏了三天，晚上很黑") == "pass"


def test_subscribe_message_is_recorded_with_values_wrapped(client, standin):
    client.send_subscribe_message(
        "fake-openid-alice",
        "tmpl-progress",
        {"thing1": "路灯维修已办结", "time2": "2024-05-01 10:00"},
        page="pages/item/detail?id=7",
    )
    messages = standin.state()["messages"]
    assert messages == [{
        "touser": "fake-openid-alice",
        "template_id": "tmpl-progress",
        "data": {"thing1": {"value": "路灯维修已办结"}, "time2": {"value": "2024-05-01 10:00"}},
        "page": "pages/item/detail?id=7",
    }]


def test_subscribe_message_to_a_refusing_user_is_43101_and_not_recorded(client, standin):
    with pytest.raises(WeChatError) as caught:
        client.send_subscribe_message("fake-openid-refuser", "tmpl-progress", {"thing1": "已办结"})
    assert caught.value.errcode == 43101
    assert standin.state()["messages"] == []


def test_subscribe_message_thing_value_over_20_characters_is_refused_47003(client, standin):
    with pytest.raises(WeChatError) as caught:
        client.send_subscribe_message("fake-openid-alice", "tmpl-progress", {"thing1": "字" * 21})
    assert caught.value.errcode == 47003
    client.send_subscribe_message("fake-openid-alice", "tmpl-progress", {"thing1": "字" * 20})
    assert len(standin.state()["messages"]) == 1


def test_subscribe_message_number_value_other_than_digits_is_refused_47003(client, standin):
    for value in ("3个", "三", ""):
        with pytest.raises(WeChatError) as caught:
            client.send_subscribe_message("fake-openid-alice", "tmpl-progress", {"number1": value})
        assert caught.value.errcode == 47003, value
    client.send_subscribe_message("fake-openid-alice", "tmpl-progress", {"number1": "3"})
    client.send_subscribe_message("fake-openid-alice", "tmpl-progress", {"number1": "2.5"})
    assert len(standin.state()["messages"]) == 2


def test_wxacode_is_a_png_that_decodes(client):
    png = client.wxacode_unlimit("s=12&t=station", page="pages/scan/index")
    assert png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    assert min(image.size) > 100


def test_wxacode_scene_over_32_characters_is_refused_before_any_request(client, standin):
    with pytest.raises(ValueError):
        client.wxacode_unlimit("x" * 33)
    assert standin.token_requests() == {"normal": 0, "forced": 0}
    assert client.wxacode_unlimit("x" * 32).startswith(b"\x89PNG")


def test_wxacode_json_error_from_the_image_endpoint_is_a_wechat_error(client):
    with pytest.raises(WeChatError) as caught:
        client.wxacode_unlimit("")  # the stand-in, like WeChat, answers an empty scene with JSON 40169
    assert caught.value.errcode == 40169


def test_get_client_uses_the_configured_base_and_the_database_store(app):
    with app.app_context():
        client = get_client()
        assert isinstance(client.token_store, DatabaseTokenStore)
        assert get_client() is client
        assert client.msg_sec_check("fake-openid-alice", "你好") == "pass"
        stored = db.session.scalar(select(ServiceToken.name))
    assert stored == f"wechat_access_token:{app.config['WECHAT_APPID']}", "token not written to the database"


def test_a_caller_holding_an_uncommitted_write_can_still_fetch_the_token(app, standin):
    """A request that has written and not yet committed calls WeChat (say, to screen the text it is
    saving). On SQLite its transaction holds the database's only write lock: the token store must not
    wait for it, or the request waits on itself."""
    with app.app_context():
        worker_a = wechat(standin, DatabaseTokenStore(db.engine))
        db.session.execute(insert(ServiceToken).values(name="unrelated", value="x", expires_dt=utcnow()))
        started = time.monotonic()
        assert worker_a.msg_sec_check("fake-openid-a", "你好") == "pass"
        assert time.monotonic() - started < 3
        db.session.commit()

        # Once the caller has committed, the token is shared: the next worker asks WeChat nothing.
        assert worker_a.msg_sec_check("fake-openid-a", "再次") == "pass"
        worker_b = wechat(standin, DatabaseTokenStore(db.engine))
        assert worker_b.access_token() == worker_a.access_token()
        assert standin.token_requests() == {"normal": 1, "forced": 0}
        assert db.session.scalar(select(ServiceToken.value).where(ServiceToken.name == worker_a.token_name))


# --- the shared access token -----------------------------------------------------------------


class CountingStore:
    def __init__(self, store):
        self.store, self.reads = store, 0

    def get(self, name, fetch, stale=None):
        self.reads += 1
        return self.store.get(name, fetch, stale=stale)


def test_a_process_reuses_the_token_without_asking_the_store_and_replaces_it_once_rejected(standin, engine):
    store = CountingStore(DatabaseTokenStore(engine))
    client = wechat(standin, store, local_token_seconds=60)
    for text in ("你好", "再次", "第三次"):
        assert client.msg_sec_check("fake-openid-a", text) == "pass"
    assert store.reads == 1, "one store read for three calls"

    old = client.access_token()
    new = standin.force_refresh_elsewhere()  # another holder of the secret: WeChat now rejects `old`
    assert client.msg_sec_check("fake-openid-a", "刷新之后") == "pass"
    assert client.access_token() == new != old
    assert store.reads == 2


def test_kept_lifetime_is_wechat_expiry_less_a_margin_of_at_most_half():
    assert usable_seconds(7200) == 6900
    assert usable_seconds(600) == 300
    assert usable_seconds(2) == 1
    assert usable_seconds(0) == 0
    assert usable_seconds(-5) == 0


def test_two_workers_share_one_token(standin, new_store):
    worker_a, worker_b = wechat(standin, new_store()), wechat(standin, new_store())
    for _ in range(3):
        assert worker_a.msg_sec_check("fake-openid-a", "你好") == "pass"
        assert worker_b.phone_number("phone-13800000002") == "13800000002"
    assert worker_a.access_token() == worker_b.access_token()
    assert standin.token_fetches() == 1
    assert standin.token_requests() == {"normal": 1, "forced": 0}


def test_an_expired_token_is_refreshed_transparently(start_server, new_store):
    short = start_server(create_standin_app(appid=APPID, secret=SECRET, token_ttl=2))
    worker_a, worker_b = wechat(short, new_store()), wechat(short, new_store())
    issued = time.monotonic()
    first = worker_a.access_token()
    assert worker_a.msg_sec_check("fake-openid-a", "你好") == "pass"
    assert worker_b.msg_sec_check("fake-openid-b", "你好") == "pass"
    assert worker_b.access_token() == first  # kept for about a second (half of a 2 s life)
    assert short.token_fetches() == 1

    time.sleep(max(0.0, issued + 2.2 - time.monotonic()))  # now dead at WeChat too
    assert worker_b.msg_sec_check("fake-openid-b", "你好") == "pass"
    assert worker_a.phone_number("phone-13800000001") == "13800000001"
    assert worker_a.access_token() != first
    assert short.token_fetches() == 2
    assert short.token_requests()["forced"] == 0


def test_database_store_keeps_a_short_token_about_half_its_life(start_server, engine):
    short = start_server(create_standin_app(appid=APPID, secret=SECRET, token_ttl=2))
    client = wechat(short, DatabaseTokenStore(engine))
    client.access_token()
    with engine.connect() as conn:
        expires = conn.execute(select(ServiceToken.expires_dt)).scalar_one()
    left = (expires.replace(tzinfo=expires.tzinfo or timezone.utc) - datetime.now(timezone.utc)).total_seconds()
    assert 0.5 < left <= 1.0


def test_token_invalidated_elsewhere_is_replaced_once_and_the_call_retried(standin, new_store):
    worker_a, worker_b = wechat(standin, new_store()), wechat(standin, new_store())
    old = worker_a.access_token()
    new = standin.force_refresh_elsewhere()  # WeChat now answers 40001 to `old`
    assert new != old

    assert worker_a.msg_sec_check("fake-openid-a", "你好") == "pass"
    # One normal-mode fetch replaced the token; no forced refresh of our own was needed.
    assert standin.token_requests() == {"normal": 2, "forced": 1}
    assert worker_a.access_token() == new
    assert worker_b.msg_sec_check("fake-openid-b", "你好") == "pass"
    assert standin.token_requests() == {"normal": 2, "forced": 1}


def test_a_bogus_stored_token_is_replaced(standin, new_store):
    worker = wechat(standin, new_store())
    good = worker.access_token()
    new_store.poison("fake-at-bogus")
    assert worker.access_token() == "fake-at-bogus"
    assert worker.phone_number("phone-13800000009") == "13800000009"
    assert worker.access_token() == good  # normal mode handed back WeChat's current token
    assert standin.token_fetches() == 1


def test_token_rejected_but_handed_back_forces_exactly_one_refresh(start_server, engine):
    gate = RejectingTokens(create_standin_app(appid=APPID, secret=SECRET))
    server = start_server(gate)
    client = wechat(server, DatabaseTokenStore(engine))
    stale = client.access_token()
    gate.rejected.add(stale)

    assert client.msg_sec_check("fake-openid-a", "你好") == "pass"
    assert gate.api_calls == 2  # the rejected call and one retry
    assert server.token_requests() == {"normal": 2, "forced": 1}
    assert client.access_token() not in (stale, None)


def test_a_token_rejected_again_after_the_refresh_is_an_error_not_a_loop(start_server, engine):
    gate = RejectingTokens(create_standin_app(appid=APPID, secret=SECRET))
    server = start_server(gate)
    client = wechat(server, DatabaseTokenStore(engine))
    client.access_token()
    gate.reject_all = True

    with pytest.raises(WeChatError) as caught:
        client.msg_sec_check("fake-openid-a", "你好")
    assert caught.value.errcode == 40001
    assert gate.api_calls == 2
    assert server.token_requests()["forced"] == 1


def test_eight_threads_at_once_fetch_one_token(start_server, new_store):
    """Both when no token was ever stored and when the stored one has just expired."""
    server = start_server(create_standin_app(appid=APPID, secret=SECRET))
    store = new_store()
    clients = [wechat(server, store) for _ in range(8)]

    def all_at_once():
        barrier = threading.Barrier(len(clients))
        results, errors = [], []

        def work(client):
            try:
                barrier.wait(timeout=10)
                results.append(client.msg_sec_check("fake-openid-t", "同时提交"))
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert results == ["pass"] * 8

    all_at_once()
    assert server.token_fetches() == 1
    assert server.token_requests() == {"normal": 1, "forced": 0}

    new_store.expire()
    all_at_once()
    assert server.token_requests() == {"normal": 2, "forced": 0}

"""Setup helpers: build organisation data through the domain services, and sign people in through the API."""
from contextlib import contextmanager

from sqlalchemy import event

from backend.auth import services as auth_services
from backend.extensions import db
from backend.org import services as org_services
from backend.org.nearby import gcj02_from_wgs84


def screen(app):
    """Screen new items' text as the sweep does (msgSecCheck, through the WeChat stand-in); how many were screened."""
    from backend.suggestions.sweep import screen_pending

    with app.app_context():
        return screen_pending()


@contextmanager
def sent_statements(app, look=lambda conn, statement: statement, with_parameters=False):
    """Inside the block, what ``look(connection, sql)`` makes of each statement sent to the database, paired
    with its parameters when ``with_parameters`` (to explain it)."""
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append((look(conn, statement), parameters) if with_parameters else look(conn, statement))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


class Factory:
    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self._seq = 0

    def _next(self):
        self._seq += 1
        return self._seq

    def commit(self, obj=None):
        db.session.commit()
        return obj

    def region(self, name=None, level="city", parent=None):
        region = org_services.create_region(
            None, {"name": name or f"区域{self._next()}", "level": level, "parent_id": parent.id if parent else None}
        )
        return self.commit(region)

    def tree(self):
        """A province with two cities, each with one county: returns a dict by short name."""
        root = self.region("湖南省", "province")
        hh = self.region("怀化市", "city", root)
        cs = self.region("长沙市", "city", root)
        hc = self.region("鹤城区", "county", hh)
        yl = self.region("岳麓区", "county", cs)
        return {"root": root, "hh": hh, "cs": cs, "hc": hc, "yl": yl}

    def station(self, region, name=None, **extra):
        data = {"name": name or f"联络站{self._next()}", "kind": "center", "region_id": region.id}
        data.update(extra)
        return self.commit(org_services.create_station(None, data))

    def deputy(self, region, name=None, phone=None, level="city", stations=(), **extra):
        data = {
            "name": name or f"代表{self._next()}",
            "level": level,
            "region_id": region.id,
            "phone": phone,
            "station_ids": [s.id for s in stations],
        }
        data.update(extra)
        return self.commit(org_services.create_deputy(None, data))

    def admin(self, username=None, password="password123", region=None, stations=()):
        user = auth_services.create_admin(username or f"admin{self._next()}", password, region)
        for station in stations:
            station.admins.append(user)
        return self.commit(user)

    # --- signing in through the real API --------------------------------------------------------

    def token_for_admin(self, user, password="password123"):
        response = self.client.post("/api/v1/auth/login", json={"username": user.username, "password": password})
        assert response.status_code == 200, response.json
        return response.json["token"]

    def headers_for_admin(self, user, password="password123"):
        return {"Authorization": f"Bearer {self.token_for_admin(user, password)}"}

    def wechat_login(self, js_code):
        response = self.client.post("/api/v1/auth/wechat", json={"code": js_code})
        assert response.status_code == 200, response.json
        return {"Authorization": f"Bearer {response.json['token']}"}

    def deputy_headers(self, deputy, js_code=None):
        """A WeChat user who binds the deputy's phone through the stand-in."""
        headers = self.wechat_login(js_code or f"deputy{deputy.id}")
        response = self.client.post("/api/v1/auth/bind-phone", json={"code": f"phone-{deputy.phone}"}, headers=headers)
        assert response.status_code == 200, response.json
        return headers


def gps_of(lat, lng):
    """The GPS (WGS-84) position a phone's browser reports at a point China's maps (GCJ-02) show at
    (lat, lng): gcj02_from_wgs84 inverted by a few fixed-point steps, to well under a metre."""
    w_lat, w_lng = lat, lng
    for _ in range(4):
        g_lat, g_lng = gcj02_from_wgs84(w_lat, w_lng)
        w_lat, w_lng = w_lat - (g_lat - lat), w_lng - (g_lng - lng)
    return w_lat, w_lng

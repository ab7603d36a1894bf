"""Sign-in requests sent twice at once (two devices, a client that does not de-duplicate), over real HTTP to
a threaded server: the first WeChat login of one openid, and one user's bind-phone. Both answer as the one
request would, with one user row; neither is a 409 or a database outage."""
import requests
from sqlalchemy import func, select

from backend.auth.models import User
from backend.extensions import db

from .parallel import released_together

ROUNDS = 4


def test_concurrent_first_logins_of_one_openid_are_all_the_same_user(app, base_url, factory):
    for round_ in range(ROUNDS):
        login = lambda: requests.post(f"{base_url}/api/v1/auth/wechat", json={"code": f"fresh{round_}"}, timeout=30)  # noqa: E731
        answers = released_together(login, login, login)
        assert [a.status_code for a in answers] == [200] * 3, [a.json() for a in answers]
        assert len({a.json()["user"]["id"] for a in answers}) == 1
    assert db.session.scalar(select(func.count()).select_from(User).where(User.openid.is_not(None))) == ROUNDS


def test_one_users_bind_phone_sent_twice_at_once_binds_once(app, base_url, factory):
    tree = factory.tree()
    deputy = factory.deputy(tree["hc"], "李娜", phone="13800000004").id
    for round_ in range(ROUNDS):
        # Each round a new WeChat account proves the deputy's number: the binding moves from the last one.
        token = factory.wechat_login(f"double-{round_}")
        db.session.close()
        bind = lambda: requests.post(f"{base_url}/api/v1/auth/bind-phone", json={"code": "phone-13800000004"},  # noqa: E731
                                     headers=token, timeout=30)
        answers = released_together(bind, bind)
        assert [a.status_code for a in answers] == [200, 200], [a.json() for a in answers]
        assert {a.json()["user"]["deputy_id"] for a in answers} == {deputy}
        assert db.session.scalar(select(func.count()).select_from(User).where(User.deputy_id == deputy)) == 1
        db.session.close()

"""A value outside a field's choices is refused naming the choices in Chinese, each with its value:
users read these messages, and the English values alone mean nothing to them."""
import pytest


@pytest.fixture
def admin(factory):
    tree = factory.tree()
    return factory.headers_for_admin(factory.admin("admin-root", region=tree["root"]))


@pytest.mark.parametrize("path, field, message", [
    ("/api/v1/activities?scope=station&status=done", "status",
     "活动状态应为已发单（published）、已结单（closed）或已取消（cancelled）。"),
    ("/api/v1/activities?scope=everything", "scope",
     "范围应为本人参加的（mine）、所管联络站的（station）、全部（all）或可揭榜的（open）。"),
    ("/api/v1/suggestions?status=lost", "status", None),
    ("/api/v1/suggestions?scope=everything", "scope",
     "范围应为本人提出或关注的（mine）、交本人办理的（assigned）、所管联络站和区域的（station）或全部（all）。"),
    ("/api/v1/appointments?scope=everything", "scope", "范围应为我提出的（mine）或约见我或本人经办的（handling）。"),
    ("/api/v1/audit-events?action=rob", "action", "操作类型不存在，请从列表中选择。"),
])
def test_a_filter_outside_its_choices_is_refused_in_chinese(client, admin, path, field, message):
    refused = client.get(path, headers=admin)
    assert (refused.status_code, refused.json["error"]) == (422, "validation_failed"), refused.json
    (shown,) = refused.json["errors"][field]
    if message is None:  # every status, by its Chinese name and value
        assert shown.startswith("办理状态应为待分派（pending）、待接单（assigned）、") and shown.endswith("。"), shown
    else:
        assert shown == message
    assert "取值应为以下之一" not in shown

"""What the public will read of an item, shown to the administrator on the item's page (citizen-pages audit
2026-11-29, finding 1): the automatic redaction can miss a name, so the station's staff see the published words
before and after 结单 and can tell whether personal data is left."""
from .test_console_suggestions import console_login
from .test_suggestions import file, step, world  # noqa: F401  (fixture)

CONTENT = "邻居王建军经常在楼道堆放杂物，车牌湘A12345的车长期占用消防通道。"


def preview(html):
    start = html.index('id="public-preview"')
    return html[start:html.index("</section>", start)]


def test_an_item_to_be_published_shows_its_redacted_words_to_the_administrator(app, client, world):  # noqa: F811
    item_id = file(client, world["citizen"], world["station_code"], content=CONTENT, public_consent=True).json["id"]
    admin = console_login(app, "chengbei")
    shown = preview(admin.get(f"/console/suggestions/{item_id}").get_data(as_text=True))
    assert "邻居***经常在楼道堆放杂物，车牌***的车长期占用消防通道。" in shown
    assert "王建军" not in shown and "湘A12345" not in shown
    assert "自动去除" in shown and "可能遗漏" in shown


def test_the_reply_is_previewed_as_published_too(app, client, world):  # noqa: F811
    item_id = file(client, world["citizen"], world["deputy_code"], content=CONTENT, public_consent=True).json["id"]
    assert step(client, world["zhang_h"], item_id, "accept").status_code == 200
    reply = "物业经理刘洋已到现场，出租车司机刘强已批评教育。"
    assert step(client, world["zhang_h"], item_id, "reply", content=reply, implemented=True).status_code == 200
    admin = console_login(app, "chengbei")
    shown = preview(admin.get(f"/console/suggestions/{item_id}").get_data(as_text=True))
    assert "物业经理***已到现场，出租车司机***已批评教育。" in shown


def test_an_item_the_citizen_did_not_agree_to_publish_has_no_preview(app, client, world):  # noqa: F811
    item_id = file(client, world["citizen"], world["station_code"], content=CONTENT).json["id"]
    admin = console_login(app, "chengbei")
    page = admin.get(f"/console/suggestions/{item_id}").get_data(as_text=True)
    assert 'id="public-preview"' not in page and "王建军" in page

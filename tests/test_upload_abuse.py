"""What keeps photo uploads from taking the service down or filling its disk: decompression bombs refused
from their header, phone photos decoded reduced, limits per user and per address, a cap on decodes at once,
a cap on photos uploaded and never attached, and the sweep deleting those left over."""
import errno
import io
import logging
import os
from datetime import timedelta

import pytest
from PIL import Image, ImageFile
from sqlalchemy import select, update

from backend.db_types import utcnow
from backend.extensions import db
from backend.uploads import images
from backend.uploads import routes as upload_routes
from backend.uploads.models import Upload
from backend.wechat import get_client

from .test_research import headers as deputy_headers, new_topic, take, world  # noqa: F401  (fixture)
from .test_uploads import assert_error, encode, post_file, stored_files


@pytest.fixture
def citizen(factory):
    return factory.wechat_login("uploader")


def small_jpeg(colour="red"):
    return encode(Image.new("RGB", (40, 30), colour), "JPEG")


def key_of(url):
    return url.rsplit("/", 1)[1]


# --- decoding -------------------------------------------------------------------------------------


def test_a_tiny_png_of_tens_of_megapixels_is_refused_before_decoding(client, app, citizen, monkeypatch):
    """The audit's bomb: 6300×6300 of one colour, 131 KB on the wire, 119 MB once decoded."""
    bomb = encode(Image.new("RGB", (6300, 6300), "olive"), "PNG")
    assert len(bomb) < 200 * 1024
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size))
    before = stored_files(app)
    response = post_file(client, citizen, bomb, "big.png", "image/png")
    assert_error(response, 413, "payload_too_large")
    assert response.json["message"] == "图片分辨率过高（超过 1600 万像素），请缩小后重新上传。"
    assert decoded == []  # refused from its header
    assert stored_files(app) == before
    assert db.session.scalar(select(Upload.id)) is None


def test_a_png_within_the_lower_limit_is_still_accepted(client, citizen):
    # A long screenshot: 1170×4000, 4.7 megapixels.
    response = post_file(client, citizen, encode(Image.new("RGB", (1170, 4000), (240, 240, 240)), "PNG"),
                         "long.png", "image/png")
    assert response.status_code == 201, response.json
    assert (response.json["width"], response.json["height"]) == (round(1170 * 2560 / 4000), 2560)


def test_a_phone_cameras_48_megapixel_jpeg_is_accepted_and_decoded_reduced(client, citizen, monkeypatch):
    image = Image.new("RGB", (8000, 6000), "olive")
    image.paste("red", (0, 0, 4000, 6000))  # left half red: the result is still the same way round
    photo = encode(image, "JPEG", quality=85)
    decoded = []
    original = images._reduce_while_decoding

    def spy(im, max_side):
        original(im, max_side)
        decoded.append(im.size)

    monkeypatch.setattr(images, "_reduce_while_decoding", spy)
    response = post_file(client, citizen, photo)
    assert response.status_code == 201, response.json
    assert decoded == [(4000, 3000)]  # libjpeg decoded it at half size, never all 48 megapixels
    assert (response.json["width"], response.json["height"]) == (2560, 1920)
    stored = Image.open(io.BytesIO(client.get(response.json["url"], headers=citizen).data))
    stored.load()
    assert (stored.format, stored.size) == ("JPEG", (2560, 1920))
    left, right = stored.getpixel((100, 960)), stored.getpixel((2460, 960))
    assert left[0] > 200 and left[1] < 60, left  # red
    assert right[0] < 160 and right[1] > 100, right  # olive
    record = db.session.get(Upload, response.json["id"])
    assert (record.width, record.height) == (2560, 1920)


def test_a_jpeg_beyond_the_pixel_limit_is_refused(client, citizen, monkeypatch, app):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_PIXELS", 1_000_000)
    response = post_file(client, citizen, encode(Image.new("RGB", (1200, 1000), "olive"), "JPEG"))
    assert_error(response, 413, "payload_too_large")
    assert response.json["message"] == "图片分辨率过高（超过 100 万像素），请缩小后重新上传。"


def test_when_every_decoding_slot_is_taken_the_upload_is_answered_503_and_stores_nothing(
        client, app, citizen, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DECODE_WAIT", 0.01)
    slots = upload_routes._decode_slots(app)
    held = 0
    while slots.acquire(blocking=False):
        held += 1
    assert held >= 1
    try:
        before = stored_files(app)
        response = post_file(client, citizen, small_jpeg())
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.json == {"error": "service_unavailable", "message": "上传照片的人较多，请稍后重新上传。"}
        assert response.headers.getlist("Retry-After") == ["5"]  # as documented, not the rate limit's window
        assert stored_files(app) == before
        assert db.session.scalar(select(Upload.id)) is None
    finally:
        for _ in range(held):
            slots.release()
    assert post_file(client, citizen, small_jpeg()).status_code == 201


def test_a_photo_the_storage_cannot_keep_is_answered_503_to_try_again_and_nothing_is_kept(
        client, app, citizen, monkeypatch, tmp_path, caplog):
    """A full disk, or an upload directory that cannot be written (a lost mount): the citizen is told to try
    again later, not 服务器出了点问题; the operator's log names the storage; no row, no file, no temporary file."""
    from backend.uploads import storage

    def disk_full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    before = stored_files(app)
    with monkeypatch.context() as patch, caplog.at_level(logging.ERROR, logger="backend.uploads.routes"):
        patch.setattr(storage.os, "replace", disk_full)  # the bytes were written to a temporary file first
        full = post_file(client, citizen, small_jpeg())
    assert (full.status_code, full.json) == (503, {"error": "service_unavailable",
                                                   "message": "照片暂时无法保存，请稍后重新上传。"})
    assert full.headers.getlist("Retry-After") == ["30"]
    assert stored_files(app) == before
    assert db.session.scalar(select(Upload.id)) is None
    assert [r.getMessage() for r in caplog.records if app.config["UPLOAD_DIR"] in r.getMessage()
            and "No space left on device" in r.getMessage()], caplog.text

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(blocker / "uploads"))  # unwritable even for root
    unwritable = post_file(client, citizen, small_jpeg())
    assert (unwritable.status_code, unwritable.json["message"]) == (503, "照片暂时无法保存，请稍后重新上传。")
    assert db.session.scalar(select(Upload.id)) is None


# --- limits ---------------------------------------------------------------------------------------


def test_uploads_are_limited_per_user_and_per_address(client, app, factory, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_RATE_LIMIT", "3 per hour")
    monkeypatch.setitem(app.config, "UPLOAD_ADDRESS_RATE_LIMIT", "5 per hour")
    alice, bob = factory.wechat_login("alice"), factory.wechat_login("bob")
    for _ in range(3):
        accepted = post_file(client, alice, small_jpeg())
        assert accepted.status_code == 201
        assert "Retry-After" not in accepted.headers  # only a refusal says when to come back
    over = post_file(client, alice, small_jpeg())
    assert_error(over, 429, "rate_limited")
    assert over.json["message"] == "操作过于频繁，请 60 分钟后再试。"
    # the hour's window from the first photo (flask-limiter rounds its reset up to the next whole second)
    assert 3500 <= int(over.headers["Retry-After"]) <= 3601
    # Another user from the same address has uploads of their own, until the address's five are used.
    assert post_file(client, bob, small_jpeg()).status_code == 201
    assert post_file(client, bob, small_jpeg()).status_code == 201
    assert_error(post_file(client, bob, small_jpeg()), 429, "rate_limited")
    assert db.session.scalar(select(db.func.count()).select_from(Upload)) == 5


def test_unattached_photos_are_capped_per_user_until_one_is_filed(client, app, factory, citizen, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_UNATTACHED", 2)
    first = post_file(client, citizen, small_jpeg()).json
    assert post_file(client, citizen, small_jpeg()).status_code == 201
    refused = post_file(client, citizen, small_jpeg())
    assert_error(refused, 429, "rate_limited")
    assert refused.json["message"] == "您已上传 2 张尚未提交的照片，请先提交建议或报告；未提交的照片会在一段时间后自动删除。"
    assert post_file(client, factory.wechat_login("someone-else"), small_jpeg()).status_code == 201  # per user

    station = factory.station(factory.tree()["hc"])
    get_client().access_token()
    filed = client.post("/api/v1/suggestions", headers=citizen, json={
        "qr_code": station.qr_code, "category": "环境卫生", "content": "小区门口的垃圾桶满了没人清理。",
        "attachment_ids": [first["id"]]})
    assert filed.status_code == 201, filed.json
    assert post_file(client, citizen, small_jpeg()).status_code == 201  # one is attached now


def test_the_owner_deletes_an_unattached_photo_and_it_stops_counting(client, app, factory, citizen, monkeypatch):
    """A photo removed from the form (×) is deleted: its file and row go, and it no longer counts against
    UPLOAD_MAX_UNATTACHED. Deleting again answers 204; another user's photo, or a filed one, stays."""
    monkeypatch.setitem(app.config, "UPLOAD_MAX_UNATTACHED", 2)
    first = post_file(client, citizen, small_jpeg()).json
    second = post_file(client, citizen, small_jpeg()).json
    assert_error(post_file(client, citizen, small_jpeg()), 429, "rate_limited")
    before = stored_files(app)

    stranger = factory.wechat_login("stranger")
    assert client.delete(f"/api/v1/uploads/{first['id']}", headers=stranger).status_code == 204  # nothing of theirs
    assert_error(client.delete(f"/api/v1/uploads/{first['id']}"), 401, "unauthorized")
    assert client.get(first["url"], headers=citizen).status_code == 200

    gone = client.delete(f"/api/v1/uploads/{first['id']}", headers=citizen)
    assert gone.status_code == 204 and gone.get_data() == b""
    assert_error(client.get(first["url"], headers=citizen), 404, "not_found")
    assert len(stored_files(app)) == len(before) - 1
    assert client.delete(f"/api/v1/uploads/{first['id']}", headers=citizen).status_code == 204  # a retry
    # An id no row can have (beyond the database's integer range): nothing to delete either, not a 400.
    assert client.delete("/api/v1/uploads/99999999999", headers=citizen).status_code == 204
    assert post_file(client, citizen, small_jpeg()).status_code == 201  # room for one more

    station = factory.station(factory.tree()["hc"])
    get_client().access_token()
    filed = client.post("/api/v1/suggestions", headers=citizen, json={
        "qr_code": station.qr_code, "category": "环境卫生", "content": "小区门口的垃圾桶满了没人清理。",
        "attachment_ids": [second["id"]]})
    assert filed.status_code == 201, filed.json
    refused = client.delete(f"/api/v1/uploads/{second['id']}", headers=citizen)
    assert_error(refused, 409, "conflict")
    assert refused.json["message"] == "这张照片已随建议或报告提交，不能删除。"
    assert client.get(second["url"], headers=citizen).status_code == 200


# --- the sweep ------------------------------------------------------------------------------------


def sweep(app):
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_sweep_deletes_old_unattached_photos_and_keeps_attached_and_fresh_ones(client, app, world):  # noqa: F811
    citizen = world["factory"].wechat_login("uploader")
    zhang = deputy_headers(world, "zhang")
    on_suggestion, abandoned, fresh = (post_file(client, citizen, small_jpeg(c)).json for c in ("red", "green", "blue"))
    on_report = post_file(client, zhang, small_jpeg("white")).json
    other_abandoned = post_file(client, zhang, small_jpeg("black")).json

    get_client().access_token()
    filed = client.post("/api/v1/suggestions", headers=citizen, json={
        "qr_code": world["chengbei"].qr_code, "category": "环境卫生", "content": "小区门口的垃圾桶满了没人清理。",
        "attachment_ids": [on_suggestion["id"]]})
    assert filed.status_code == 201, filed.json
    topic = new_topic(client, world["hh"])
    team = take(client, zhang, topic["id"])
    assert team.status_code == 201, team.json
    report = client.post(f"/api/v1/research/teams/{team.json['id']}/report", headers=zhang, json={
        "title": "调研报告", "body": "正文", "attachment_ids": [on_report["id"]]})
    assert report.status_code == 201, report.json

    # All but ``fresh`` uploaded two days ago.
    old = [p["id"] for p in (on_suggestion, abandoned, on_report, other_abandoned)]
    db.session.execute(update(Upload).where(Upload.id.in_(old)).values(created_dt=utcnow() - timedelta(hours=48)))
    db.session.commit()
    files_before = {p.name for p in stored_files(app)}
    assert {key_of(p["url"]) for p in (on_suggestion, abandoned, fresh, on_report, other_abandoned)} <= files_before

    assert "删除上传后未提交的照片 2 张" in sweep(app)
    db.session.expire_all()
    kept = set(db.session.scalars(select(Upload.id)))
    assert kept == {on_suggestion["id"], fresh["id"], on_report["id"]}
    files_after = {p.name for p in stored_files(app)}
    assert files_before - files_after == {key_of(abandoned["url"]), key_of(other_abandoned["url"])}
    assert client.get(abandoned["url"], headers=citizen).status_code == 404
    assert client.get(fresh["url"], headers=citizen).status_code == 200
    assert client.get(on_suggestion["url"], headers=citizen).status_code == 200
    assert client.get(on_report["url"], headers=zhang).status_code == 200

    assert "删除上传后未提交的照片 0 张" in sweep(app)  # idempotent
    assert set(db.session.scalars(select(Upload.id))) == kept


def test_the_age_after_which_unattached_photos_go_is_configurable(client, app, citizen, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_UNATTACHED_HOURS", 72)
    photo = post_file(client, citizen, small_jpeg()).json
    db.session.execute(update(Upload).values(created_dt=utcnow() - timedelta(hours=48)))
    db.session.commit()
    assert "删除上传后未提交的照片 0 张" in sweep(app)
    monkeypatch.setitem(app.config, "UPLOAD_UNATTACHED_HOURS", 24)
    assert "删除上传后未提交的照片 1 张" in sweep(app)
    assert client.get(photo["url"], headers=citizen).status_code == 404


def test_the_sweep_finds_unattached_photos_in_their_index_not_among_every_photo(client, app, citizen):
    """A province holds millions of filed photos and a few unattached ones: the sweep (every minute) looks
    the photos on no suggestion up in ix_uploads_suggestion_id (suggestion_id IS NULL), never by reading
    every photo."""
    from backend.uploads.cleanup import purge_unattached

    from .test_scale_queries import _plan, statements

    post_file(client, citizen, small_jpeg())
    with statements(app, with_parameters=True) as sent:
        assert purge_unattached() == 0  # a fresh photo stays
    reads = [(s, p) for s, p in sent if s.lstrip().startswith("SELECT uploads.id") and "suggestion_id IS NULL" in s]
    assert reads, sent
    plan = _plan(app, *reads[0], ("enable_seqscan",))
    assert "ix_uploads_suggestion_id" in plan and "Seq Scan on uploads" not in plan, plan


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL's row locks")
def test_the_sweep_skips_a_photo_a_filing_holds_and_it_stays(client, app, citizen):
    """A filing locks the photos it attaches before it reads them (suggestions.filing): one held at the sweep's
    instant is left alone, and the sweep goes on with the rest instead of waiting."""
    held, other = (post_file(client, citizen, small_jpeg(c)).json for c in ("red", "green"))
    db.session.execute(update(Upload).values(created_dt=utcnow() - timedelta(hours=48)))
    db.session.commit()
    with db.engine.connect() as filing:
        filing.execute(select(Upload.id).where(Upload.id == held["id"]).with_for_update())
        assert "删除上传后未提交的照片 1 张" in sweep(app)
        filing.rollback()
    assert set(db.session.scalars(select(Upload.id))) == {held["id"]}
    assert client.get(held["url"], headers=citizen).status_code == 200

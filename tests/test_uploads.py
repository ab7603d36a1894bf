"""Photo uploads through the real HTTP API: decoding decides the format, metadata never survives,
limits answer in the contract's JSON, and only those who may see a photo can download it."""
import io
import re
import warnings
from pathlib import Path

import pytest
import requests
from PIL import Image
from sqlalchemy import func, select

from backend.extensions import db
from backend.uploads.models import Upload
from backend.wechat import get_client

from .parallel import released_together

URL = "/api/v1/uploads"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
GPS_IFD = 0x8825
ORIENTATION = 0x0112


# --- building test images ---------------------------------------------------------------------


def two_colour(size=(64, 32), mode="RGB"):
    """Left half red, right half blue: shows which way round the pixels ended up."""
    image = Image.new(mode, size, "blue")
    image.paste("red", (0, 0, size[0] // 2, size[1]))
    return image


def gps_exif(orientation=None):
    exif = Image.Exif()
    exif[0x010F] = "FakePhone"  # Make
    if orientation is not None:
        exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (27.0, 33.0, 12.5), 3: "E", 4: (109.0, 58.0, 30.0)}
    return exif


def encode(image, fmt, **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def jpeg_with_gps(orientation=6):
    data = encode(two_colour(), "JPEG", exif=gps_exif(orientation), quality=95)
    # The input really carries what must be removed.
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(GPS_IFD) and source.getexif()[ORIENTATION] == orientation
    return data


def post_file(client, headers, data, filename="photo.jpg", content_type="image/jpeg", extra_headers=None):
    return client.post(
        URL,
        headers={**headers, **(extra_headers or {})},
        data={"file": (io.BytesIO(data), filename, content_type)},
        content_type="multipart/form-data",
    )


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)
    assert response.json["error"] == code
    assert CHINESE.search(response.json["message"]), response.json


def stored_files(app):
    return sorted(p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file())


@pytest.fixture
def citizen(factory):
    return factory.wechat_login("uploader")


# --- accepted images --------------------------------------------------------------------------


def test_jpeg_with_gps_is_stripped_and_turned_upright(client, citizen):
    response = post_file(client, citizen, jpeg_with_gps(orientation=6))
    assert response.status_code == 201, response.json
    body = response.json
    assert set(body) == {"id", "url", "width", "height"}
    assert isinstance(body["id"], int)
    assert re.fullmatch(r"/api/v1/uploads/[A-Za-z0-9_-]+\.jpg", body["url"])
    # Orientation 6 (rotate 90° clockwise) is applied to the pixels: 64×32 becomes 32×64.
    assert (body["width"], body["height"]) == (32, 64)

    download = client.get(body["url"], headers=citizen)
    assert download.status_code == 200
    assert download.mimetype == "image/jpeg"
    assert download.headers["ETag"]
    assert "private" in download.headers["Cache-Control"]
    # Never read as anything but the image it was decoded as, and shown, not saved as a file of another kind.
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"] == "inline"
    photo = Image.open(io.BytesIO(download.data))
    photo.load()
    assert photo.format == "JPEG"
    assert photo.size == (body["width"], body["height"])
    assert len(photo.getexif()) == 0
    assert "exif" not in photo.info
    assert "icc_profile" not in photo.info and "xmp" not in photo.info
    assert b"FakePhone" not in download.data and b"Exif" not in download.data
    # Left (red) is now on top, right (blue) at the bottom.
    red, blue = photo.convert("RGB").getpixel((16, 8)), photo.convert("RGB").getpixel((16, 56))
    assert red[0] > 200 and red[2] < 60
    assert blue[2] > 200 and blue[0] < 60


def test_download_is_conditional(client, citizen):
    url = post_file(client, citizen, jpeg_with_gps()).json["url"]
    first = client.get(url, headers=citizen)
    again = client.get(url, headers={**citizen, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_png_is_accepted_and_keeps_transparency(client, citizen):
    image = two_colour((40, 30), "RGBA")
    image.putpixel((0, 0), (0, 0, 0, 0))
    data = encode(image, "PNG", exif=gps_exif(), pnginfo=None)
    response = post_file(client, citizen, data, "screen.png", "image/png")
    assert response.status_code == 201, response.json
    assert response.json["url"].endswith(".png")
    assert (response.json["width"], response.json["height"]) == (40, 30)
    download = client.get(response.json["url"], headers=citizen)
    assert download.mimetype == "image/png"
    photo = Image.open(io.BytesIO(download.data))
    assert photo.format == "PNG" and photo.mode == "RGBA"
    assert photo.getpixel((0, 0))[3] == 0
    assert len(photo.getexif()) == 0 and "exif" not in photo.info


def test_webp_is_accepted_and_stripped(client, citizen):
    data = encode(two_colour((50, 20)), "WEBP", exif=gps_exif(orientation=1), quality=90)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
    response = post_file(client, citizen, data, "photo.webp", "image/webp")
    assert response.status_code == 201, response.json
    download = client.get(response.json["url"], headers=citizen)
    assert download.mimetype == "image/webp"
    photo = Image.open(io.BytesIO(download.data))
    assert photo.format == "WEBP" and photo.size == (50, 20)
    assert len(photo.getexif()) == 0 and "exif" not in photo.info


def test_format_comes_from_the_bytes_not_the_name(client, citizen):
    png = encode(two_colour(), "PNG")
    response = post_file(client, citizen, png, "photo.jpg", "image/jpeg")
    assert response.status_code == 201
    assert response.json["url"].endswith(".png")
    assert client.get(response.json["url"], headers=citizen).mimetype == "image/png"


def test_large_photo_is_downscaled(client, app, citizen, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_SIDE", 100)
    response = post_file(client, citizen, encode(two_colour((400, 200)), "JPEG"))
    assert response.status_code == 201
    assert (response.json["width"], response.json["height"]) == (100, 50)
    photo = Image.open(io.BytesIO(client.get(response.json["url"], headers=citizen).data))
    assert photo.size == (100, 50)
    record = db.session.get(Upload, response.json["id"])
    assert (record.width, record.height, record.content_type) == (100, 50, "image/jpeg")
    assert record.size == len(client.get(response.json["url"], headers=citizen).data)


# --- refused uploads --------------------------------------------------------------------------


def test_gif_is_unsupported(client, citizen):
    response = post_file(client, citizen, encode(two_colour(), "GIF"), "photo.gif", "image/gif")
    assert_error(response, 415, "unsupported_media")


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
def test_other_image_formats_are_unsupported(client, citizen, fmt):
    response = post_file(client, citizen, encode(two_colour(), fmt), "photo.jpg", "image/jpeg")
    assert_error(response, 415, "unsupported_media")


@pytest.mark.parametrize("data", [
    "这不是图片，只是一段文字。".encode(),
    b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n",
    b"\xff\xd8\xff\xe0" + b"\x00" * 10,  # a JPEG signature and nothing behind it
])
def test_non_images_named_jpg_are_unsupported(client, citizen, data):
    assert_error(post_file(client, citizen, data, "photo.jpg", "image/jpeg"), 415, "unsupported_media")


def test_truncated_jpeg_is_refused_without_a_server_error(client, citizen):
    noise = Image.effect_noise((300, 300), 80).convert("RGB")
    data = encode(noise, "JPEG", quality=95)
    response = post_file(client, citizen, data[: len(data) // 2])
    assert response.status_code in (415, 422), response.get_data(as_text=True)
    assert response.is_json and CHINESE.search(response.json["message"])


def test_truncated_png_is_refused_without_a_server_error(client, citizen):
    data = encode(Image.effect_noise((200, 200), 80).convert("RGB"), "PNG")
    response = post_file(client, citizen, data[: len(data) // 2], "a.png", "image/png")
    assert response.status_code in (415, 422), response.get_data(as_text=True)
    assert response.is_json and CHINESE.search(response.json["message"])


@pytest.mark.parametrize("pillow_warning", ["default", "error"])
def test_decompression_bomb_is_refused(client, app, citizen, pillow_warning):
    # Pillow warns about (and, under "error", raises on) such images as it opens them: either way a 413.
    warnings.simplefilter(pillow_warning, Image.DecompressionBombWarning)
    bomb = encode(Image.new("1", (12000, 12000)), "PNG")
    assert len(bomb) < 100 * 1024  # tiny on the wire, 144 megapixels once decoded
    before = stored_files(app)
    response = post_file(client, citizen, bomb, "bomb.png", "image/png")
    assert_error(response, 413, "payload_too_large")
    assert "像素" in response.json["message"]
    assert stored_files(app) == before


def test_bomb_beyond_pillows_own_limit_is_refused(client, citizen):
    # 20000×20000 = 400 megapixels: Pillow itself raises DecompressionBombError on opening.
    bomb = encode(Image.new("1", (20000, 20000)), "PNG")
    assert_error(post_file(client, citizen, bomb, "bomb.png", "image/png"), 413, "payload_too_large")


def test_too_many_bytes_is_refused(client, app, citizen):
    data = b"\xff" * (app.config["UPLOAD_MAX_BYTES"] + 1)
    response = post_file(client, citizen, data)
    assert_error(response, 413, "payload_too_large")
    assert "MB" in response.json["message"]


def test_a_body_over_the_request_limit_gets_the_photo_size_sentence(client, app, citizen, monkeypatch):
    """A file stopped by MAX_CONTENT_LENGTH before the upload reads it is told the photo limit too."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    response = post_file(client, citizen, b"\xff" * (128 * 1024))
    assert_error(response, 413, "payload_too_large")
    assert response.json["message"] == "图片不能超过 10 MB，请压缩后重新上传。"


def test_missing_file(client, citizen):
    response = client.post(URL, headers=citizen, data={"other": "x"}, content_type="multipart/form-data")
    assert_error(response, 422, "validation_failed")
    assert response.json["errors"]["file"] and CHINESE.search(response.json["errors"]["file"][0])
    # Not multipart at all: the request is of the wrong type, not one with the file left out.
    response = client.post(URL, headers=citizen, json={"file": "abc"})
    assert_error(response, 415, "unsupported_media")
    assert response.json["message"] == "请以 multipart/form-data 上传文件。"


def test_empty_file(client, citizen):
    response = post_file(client, citizen, b"")
    assert_error(response, 422, "validation_failed")
    assert response.json["errors"]["file"]


def test_anonymous_upload_is_unauthorized(client, app):
    before = stored_files(app)
    assert_error(post_file(client, {}, jpeg_with_gps()), 401, "unauthorized")
    assert stored_files(app) == before


# --- idempotency ------------------------------------------------------------------------------


def test_idempotency_key_retry_stores_one_photo(client, app, citizen):
    before = stored_files(app)
    key = {"Idempotency-Key": "photo-retry-1"}
    first = post_file(client, citizen, jpeg_with_gps(), extra_headers=key)
    retry = post_file(client, citizen, jpeg_with_gps(), extra_headers=key)
    assert first.status_code == retry.status_code == 201
    assert retry.json == first.json
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert len(stored_files(app)) == len(before) + 1
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 1
    other = post_file(client, citizen, jpeg_with_gps(), extra_headers={"Idempotency-Key": "photo-retry-2"})
    assert other.json["id"] != first.json["id"]
    assert len(stored_files(app)) == len(before) + 2


def test_retries_sent_at_the_same_instant_store_one_photo(app, base_url, citizen):
    """Eight copies of one upload released together (a phone retrying on a flaky network): one row,
    and one file on disk; the losers' files go with their rolled-back rows."""
    before = stored_files(app)
    db.session.close()  # the server threads use their own sessions

    def send():
        return requests.post(base_url + URL, headers={**citizen, "Idempotency-Key": "photo-race-1"}, timeout=30,
                             files={"file": ("photo.jpg", jpeg_with_gps(), "image/jpeg")})

    answers = released_together(*[send] * 8)
    assert {a.status_code for a in answers} == {201} and len({a.json()["id"] for a in answers}) == 1
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 1
    assert len(stored_files(app)) == len(before) + 1


# --- who may download -------------------------------------------------------------------------


def test_only_the_uploader_sees_an_unattached_photo(client, factory, citizen):
    url = post_file(client, citizen, jpeg_with_gps()).json["url"]
    stranger = factory.wechat_login("stranger")
    assert_error(client.get(url, headers=stranger), 404, "not_found")
    assert_error(client.get(url), 404, "not_found")
    admin = factory.headers_for_admin(factory.admin("root", region=factory.tree()["root"]))
    assert_error(client.get(url, headers=admin), 404, "not_found")
    assert client.get(url, headers=citizen).status_code == 200


@pytest.mark.parametrize("key", ["nope.jpg", "AAAAAAAAAAAAAAAAAAAAAA.jpg", "..%2F..%2Fetc%2Fpasswd", "a" * 300])
def test_unknown_keys_are_not_found(client, citizen, key):
    response = client.get(f"{URL}/{key}", headers=citizen)
    assert response.status_code == 404
    assert response.is_json and response.json["error"] == "not_found"


def test_attached_photo_follows_the_suggestion(client, factory, citizen):
    tree = factory.tree()
    station = factory.station(tree["hc"])
    station_admin = factory.headers_for_admin(factory.admin(region=None, stations=[station]))
    other_admin = factory.headers_for_admin(factory.admin(region=None, stations=[factory.station(tree["yl"])]))
    code = client.get(f"/api/v1/stations/{station.id}").json["qr_code"]

    upload = post_file(client, citizen, jpeg_with_gps()).json
    assert_error(client.get(upload["url"], headers=station_admin), 404, "not_found")
    # Fetch the shared WeChat token before filing: on SQLite, a first fetch inside the filing
    # request waits on the request's own write lock (reported to the lead; not an uploads matter).
    get_client().access_token()
    filed = client.post("/api/v1/suggestions", headers=citizen, json={
        "qr_code": code, "category": "环境卫生", "content": "小区门口的垃圾桶满了没人清理。",
        "attachment_ids": [upload["id"]],
    })
    assert filed.status_code == 201, filed.json
    assert filed.json["attachments"][0]["url"] == upload["url"]

    assert client.get(upload["url"], headers=station_admin).status_code == 200
    assert client.get(upload["url"], headers=citizen).status_code == 200
    assert_error(client.get(upload["url"], headers=other_admin), 404, "not_found")
    assert_error(client.get(upload["url"], headers=factory.wechat_login("stranger")), 404, "not_found")
    assert_error(client.get(upload["url"]), 404, "not_found")

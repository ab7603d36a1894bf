"""Static files on slow networks (citizen-pages audit 2026-11-29, finding 14): pages link them with their content's
version (?v=<hash>), which a browser keeps for a year without asking again; a deploy that changes a file changes
its link. A link without the version, or with an old one, is revalidated as before."""
import hashlib
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "backend" / "static"
YEAR = "public, max-age=31536000, immutable"


def version(name):
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def test_pages_link_static_files_with_their_contents_version_kept_for_a_year(client):
    html = client.get("/public/stations").get_data(as_text=True)
    links = dict(re.findall(r'(?:href|src)="/static/([^"?]+)\?v=([0-9a-f]+)"', html))
    assert links["mobile.css"] == version("mobile.css")
    assert links["web/stations.js"] == version("web/stations.js")
    assert not re.search(r'(?:href|src)="/static/[^"?]+"', html)  # every static link carries its version

    for name, v in links.items():
        kept = client.get(f"/static/{name}?v={v}")
        assert kept.status_code == 200 and kept.headers["Cache-Control"] == YEAR, name


def test_a_static_file_without_its_current_version_is_revalidated(client):
    for url in ("/static/mobile.css", "/static/mobile.css?v=000000000000"):
        answer = client.get(url)
        assert answer.status_code == 200
        assert "immutable" not in answer.headers.get("Cache-Control", "") and answer.headers.get("ETag"), url
    assert client.get(f"/static/no-such-file.css?v={version('mobile.css')}").status_code == 404

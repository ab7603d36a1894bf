"""Write the application's OpenAPI document to ``schemas/openapi.json`` (``make openapi``).

The committed file is what integrators read and what ``tests/test_openapi.py`` compares the
live document with, so it must be regenerated whenever a schema or an endpoint changes.
"""
import json
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "schemas" / "openapi.json"


def render_spec(spec: dict) -> str:
    """The one serialisation used for the committed file: stable, readable, Chinese unescaped."""
    return json.dumps(spec, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def build_spec() -> dict:
    from backend import create_app
    from backend.extensions import api

    # The document does not depend on data, but create_app needs a database URL: use a throwaway one
    # so that exporting never touches a developer's instance database.
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{pathlib.Path(tmp) / 'openapi.sqlite'}",
            "SECRET_KEY": "openapi-export",
        })
        with app.app_context():
            return api.spec.to_dict()


def main() -> int:
    text = render_spec(build_spec())
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

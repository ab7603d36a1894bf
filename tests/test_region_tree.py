"""The region tree kept sound wherever it is edited (API, command line): no two siblings of one name,
a child below its parent's level, and a region made by mistake removed while it is still empty."""
import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.org.models import Region

API = "/api/v1"


@pytest.fixture
def tree(factory):
    tree = factory.tree()
    tree["town"] = factory.region("迎丰街道", "township", tree["hc"])
    tree["super"] = factory.headers_for_admin(factory.admin("root", region=tree["root"]))
    tree["hc_admin"] = factory.headers_for_admin(factory.admin("hcadmin", region=tree["hc"]))
    return tree


def count_named(name):
    return db.session.scalar(select(func.count()).select_from(Region).where(Region.name == name))


# --- no two siblings of one name ----------------------------------------------------------------------


def test_a_second_sibling_of_the_same_name_is_refused_naming_the_first(client, tree):
    """A double click (or a retry without an Idempotency-Key) makes one region; the second answer names it."""
    body = {"name": "迎丰街道", "level": "township", "parent_id": tree["hc"].id}
    again = client.post(f"{API}/regions", json=body, headers=tree["hc_admin"])
    assert again.status_code == 409, again.json
    assert again.json["error"] == "conflict"
    assert again.json["message"] == f"区域“湖南省怀化市鹤城区迎丰街道”已存在（id={tree['town'].id}）。"
    assert count_named("迎丰街道") == 1
    # The same name under another parent is another place.
    elsewhere = client.post(f"{API}/regions", json={**body, "parent_id": tree["yl"].id}, headers=tree["super"])
    assert elsewhere.status_code == 201, elsewhere.json


def test_a_rename_onto_a_siblings_name_is_refused(client, tree, factory):
    other = factory.region("城北街道", "township", tree["hc"])
    renamed = client.patch(f"{API}/regions/{other.id}", json={"name": "迎丰街道"}, headers=tree["hc_admin"])
    assert renamed.status_code == 409, renamed.json
    assert renamed.json["message"] == f"区域“湖南省怀化市鹤城区迎丰街道”已存在（id={tree['town'].id}）。"
    assert client.get(f"{API}/regions/{other.id}").json["name"] == "城北街道"
    # Renaming a region to its own name is no clash.
    same = client.patch(f"{API}/regions/{other.id}", json={"name": "城北街道"}, headers=tree["hc_admin"])
    assert same.status_code == 200, same.json


def test_the_database_refuses_two_siblings_of_one_name_whatever_writes_them(app, tree):
    """The unique index behind the check: a race of two requests (or a hand-written INSERT) cannot make
    twins, roots included."""
    from sqlalchemy.exc import IntegrityError

    for parent_id in (tree["hc"].id, None):
        twin = Region(name="迎丰街道" if parent_id else "湖南省", level="township", parent_id=parent_id, path="/x/")
        db.session.add(twin)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_command_line_refuses_a_twin_with_the_same_message(app, tree):
    run = app.test_cli_runner().invoke
    again = run(args=["create-region", "迎丰街道", "--level", "township", "--parent", str(tree["hc"].id)])
    assert again.exit_code == 1
    assert f"区域“湖南省怀化市鹤城区迎丰街道”已存在（id={tree['town'].id}）。" in again.output

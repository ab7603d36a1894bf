"""Two administrators replacing one region's grade bands at once, over real HTTP to a threaded server.

Whatever the interleaving, both are answered 200 (the later replaces the earlier, as two edits of a
rulebook line), nobody sees a 500, and the region keeps exactly one whole set: one of the two, never a
mix or both.
"""
import requests
from sqlalchemy import select

from backend.extensions import db
from backend.points.models import GradeBand

from .parallel import released_together

ROUNDS = 5
SETS = (
    [{"label": "优秀", "min_points": 90}, {"label": "称职", "min_points": 60}, {"label": "不称职", "min_points": None}],
    [{"label": "合格", "min_points": 0}, {"label": "不合格", "min_points": None}],
)


def test_two_administrators_replacing_one_regions_bands_leave_one_whole_set(factory, base_url):
    tree = factory.tree()
    consoles = [factory.headers_for_admin(factory.admin(name, region=region))
                for name, region in (("huaihua", tree["hh"]), ("hecheng", tree["hc"]))]
    county = tree["hc"].id
    db.session.close()  # the server threads use their own sessions
    for round_ in range(ROUNDS):
        answers = released_together(*(
            lambda headers=headers, bands=bands: requests.put(
                f"{base_url}/api/v1/grade-bands", params={"region_id": county}, json={"bands": bands},
                headers=headers, timeout=30)
            for headers, bands in zip(consoles, SETS if round_ % 2 else SETS[::-1])
        ))
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        db.session.expire_all()
        stored = sorted((b.label, b.min_points) for b in db.session.scalars(
            select(GradeBand).where(GradeBand.region_id == county)))
        assert stored in [sorted((b["label"], b["min_points"]) for b in bands) for bands in SETS], stored
        db.session.close()

"""The public leaderboard of a township, a level (全国代表) or a 代表小组: the same board, in the same order
and ranks, whether it is read by walking the year's totals (a filter keeping many deputies: a city, the
province) or from the filter's few deputies and their totals by key (points.queries.FEW_DEPUTIES)."""
from datetime import datetime, timedelta, timezone

import pytest

from backend.extensions import db
from backend.points import queries
from backend.points.models import DeputyScore

from .test_scale_queries import _plan, statements

GROUP = "城北代表小组"
WALK, FEW = 0, queries.FEW_DEPUTIES  # FEW_DEPUTIES 0: every filtered board walks the totals


@pytest.fixture
def field(app, factory):
    """A county with a township in a city, another city; deputies of several levels and groups, with
    totals this year (ties reached at different times and at the same time), at 0 (no row, a row back at
    0, a row only last year), below 0, and one who left office with the highest total."""
    tree = factory.tree()
    town = factory.region("城北街道", "township", tree["hc"])
    year = queries.current_year()
    start = datetime(year, 3, 1, tzinfo=timezone.utc)
    people = {}

    def deputy(key, region, level, group="", points=None, reached=0, year_of_row=year, active=True):
        person = factory.deputy(region, key, level=level, group=group, active=active)
        people[key] = person.id
        if points is not None:
            db.session.add(DeputyScore(deputy_id=person.id, year=year_of_row, total=points, in_office=active,
                                       reached_dt=start + timedelta(days=reached)))
            db.session.commit()

    deputy("甲", town, "township", GROUP, points=5, reached=2)
    deputy("乙", town, "township", GROUP, points=5, reached=1)
    deputy("丙", town, "township", GROUP)                          # no row: 0
    deputy("丁", town, "national", GROUP, points=0, reached=3)     # back at 0
    deputy("戊", town, "township", points=-1, reached=1)           # an absence
    deputy("己", town, "township", GROUP, points=9, active=False)  # left office: not on the board
    deputy("庚", town, "township", points=5, reached=1)            # 乙's total at 乙's time: after 乙 by id
    deputy("辛", town, "township", points=20, year_of_row=year - 1)  # last year's only: 0
    deputy("壬", tree["hc"], "county", points=7, reached=5)
    deputy("癸", tree["yl"], "national", GROUP, points=3, reached=4)
    return {"tree": tree, "town": town, "ids": people}


def board(client, query):
    response = client.get(f"/api/v1/leaderboard?{query}")
    assert response.status_code == 200, response.json
    return [(row["rank"], row["deputy"]["name"], row["points"]) for row in response.json]


@pytest.mark.parametrize("few", [FEW, WALK], ids=["read-the-few", "walk-the-totals"])
def test_a_filtered_board_ranks_as_the_whole_board_does(client, field, monkeypatch, few):
    monkeypatch.setattr(queries, "FEW_DEPUTIES", few)
    town, county = field["town"].id, field["tree"]["hc"].id
    township = [(1, "乙", 5), (1, "庚", 5), (1, "甲", 5), (4, "丙", 0), (4, "丁", 0), (4, "辛", 0), (7, "戊", -1)]
    assert board(client, f"region_id={town}") == township
    assert board(client, f"region_id={town}&limit=2") == township[:2]
    assert board(client, f"region_id={town}&limit=5") == township[:5]
    assert board(client, f"region_id={county}") == [(1, "壬", 7)] + [(r + 1, n, p) for r, n, p in township]
    assert board(client, "level=national") == [(1, "癸", 3), (2, "丁", 0)]
    assert board(client, f"group={GROUP}") == [(1, "乙", 5), (1, "甲", 5), (3, "癸", 3), (4, "丙", 0), (4, "丁", 0)]
    assert board(client, f"group={GROUP}&level=township&region_id={town}") == [
        (1, "乙", 5), (1, "甲", 5), (3, "丙", 0)]
    assert board(client, f"region_id={field['tree']['cs'].id}&level=township") == []
    assert board(client, "group=没有这个小组") == []


@pytest.mark.parametrize("few", [FEW, WALK], ids=["read-the-few", "walk-the-totals"])
def test_a_filtered_board_in_a_consoles_scope_keeps_to_it(app, field, monkeypatch, few):
    """The console's board (``where``: the deputies an administrator answers for) with a level: only
    those, ranked among themselves."""
    monkeypatch.setattr(queries, "FEW_DEPUTIES", few)
    from backend.org.models import Deputy

    ids = field["ids"]
    with app.app_context():
        rows = queries.leaderboard(queries.current_year(), level="township",
                                   where=[Deputy.id.in_([ids["甲"], ids["戊"], ids["丙"]])])
    assert [(row["rank"], row["deputy"]["name"], row["points"], row["group"]) for row in rows] == [
        (1, "甲", 5, GROUP), (2, "丙", 0, GROUP), (3, "戊", -1, "")]


def test_a_few_deputies_board_reads_them_not_the_years_totals(app, client, field):
    """A level's or a group's board counts its deputies in ix_deputies_level / ix_deputies_group and,
    being few, never walks the year's totals in the board's order (ix_deputy_scores_leaderboard); the
    province's and a city's boards do."""
    for query, index in (("level=national", "ix_deputies_level"), (f"group={GROUP}", "ix_deputies_group")):
        with statements(app, with_parameters=True) as sent:
            assert client.get(f"/api/v1/leaderboard?{query}").status_code == 200
        assert not [s for s, _ in sent if "ORDER BY deputy_scores.total DESC" in s], query
        counts = [(s, p) for s, p in sent if s.lstrip().startswith("SELECT count(*)")]
        assert len(counts) == 1, query
        assert index in _plan(app, *counts[0], ("enable_seqscan",)), query
    # The province's and a city's boards walk the totals without counting first (a city holds thousands
    # of deputies at a province's size); a county's counts its few.
    for region, walked, board_length in (("root", True, 9), ("hh", True, 8), ("hc", False, 8)):
        with statements(app) as sent:
            assert len(board(client, f"region_id={field['tree'][region].id}")) == board_length, region
        assert bool([s for s in sent if "ORDER BY deputy_scores.total DESC" in s]) == walked, region
        assert bool([s for s in sent if s.lstrip().startswith("SELECT count(*)")]) != walked, region

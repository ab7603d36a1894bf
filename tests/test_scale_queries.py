"""What keeps administrators' and public requests cheap at a province's scale (bench/province.py): the
statements a page sends do not grow with what it shows, exports read in batches, and the indexes the
sweep and the public list rely on exist. Counted, never timed."""
from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import inspect, select

from backend.db_types import utcnow
from backend.extensions import db

from .factories import sent_statements
from .test_console_suggestions import admin, console_login, csrf_token, pending, post_form  # noqa: F401  (fixtures)
from .test_suggestions import file, world  # noqa: F401  (fixture)


def statements(app, with_parameters=False):
    """The statements the app sends meanwhile (with their parameters, to explain them: ``_plan``)."""
    return sent_statements(app, with_parameters=with_parameters)


def test_the_migrations_add_the_published_deadline_and_reminder_indexes(app):
    with app.app_context():
        inspector = inspect(db.engine)
        suggestions = {index["name"] for index in inspector.get_indexes("suggestions")}
        activities = {index["name"] for index in inspector.get_indexes("activities")}
    assert {"ix_suggestions_public", "ix_suggestions_accept_due", "ix_suggestions_reply_due"} <= suggestions
    assert "ix_activities_reminder_due" in activities


def _activity(client, world, deputies):  # noqa: F811
    start = utcnow() + timedelta(days=2)
    response = client.post("/api/v1/activities", headers=world["admin"], json={
        "title": "进站接待", "type": "reception", "station_id": world["station"].id,
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
        "deputy_ids": [d.id for d in deputies]})
    assert response.status_code == 201, response.json


def test_the_console_activity_list_counts_participants_in_one_query(app, client, world, admin):  # noqa: F811
    _activity(client, world, [world["zhang"]])
    with statements(app) as few:
        page = admin.get("/console/activities")
    assert page.status_code == 200 and "0 / 1" in page.get_data(as_text=True)
    for _ in range(4):
        _activity(client, world, [world["zhang"], world["li"]])
    with statements(app) as many:
        page = admin.get("/console/activities")
    assert page.get_data(as_text=True).count("0 / 2") == 4
    assert len(many) == len(few)


def test_statistics_read_the_items_once_and_their_work_orders_once(app, client, world, pending):  # noqa: F811
    """The items' figures are one grouped read of the items; the work orders' (per department, however
    many) one grouped read of the work orders joined to them."""
    for department in ("县住建局", "县城管局", "县交通局"):
        item = file(client, world["citizen"], world["deputy_code"], category="道路交通").json
        client.post(f"/api/v1/suggestions/{item['id']}/accept", headers=world["zhang_h"])
        client.post(f"/api/v1/suggestions/{item['id']}/forward", headers=world["zhang_h"],
                    json={"target": "department", "department": department, "note": "转办"})
    with statements(app) as seen:
        figures = client.get("/api/v1/stats/suggestions", headers=world["admin"]).json
    assert figures["total"] == 4 and figures["by_status"]["pending"] == 1 and figures["by_status"]["forwarded"] == 3
    assert figures["by_category"] == {"道路交通": 3, "城市管理": 1}
    assert [d["department"] for d in figures["by_department"]] == ["县交通局", "县住建局", "县城管局"]
    reads = [s for s in seen if " suggestions" in s and s.lstrip().upper().startswith("SELECT") and "FROM users" not in s]
    assert len(reads) == 3  # the items, their ratings (one per round rated), their work orders
    assert sum("suggestion_work_orders" in s for s in reads) == 1 and sum("suggestion_ratings" in s for s in reads) == 1


def test_the_public_list_names_stations_and_deputies_in_a_query_per_page(app, client, world, factory):  # noqa: F811
    from backend.suggestions.models import Status, Suggestion

    def publish(count):
        with app.app_context():
            from backend.auth.models import User
            citizen_id = db.session.scalar(db.select(User.id).where(User.username == "chengbei"))
            for n in range(count):
                station = factory.station(world["tree"]["hc"])
                deputy = factory.deputy(world["tree"]["hc"], stations=[station])
                db.session.add(Suggestion(
                    citizen_id=citizen_id, filed_via="station", station_id=station.id, deputy_id=deputy.id,
                    region_id=station.region_id, category="城市管理", content=f"已办结的建议 {n}", status=Status.closed,
                    public_consent=True, screening="pass", closed_dt=utcnow()))
            db.session.commit()

    publish(1)
    with statements(app) as few:
        assert client.get("/api/v1/public/suggestions").json["total"] == 1
    publish(4)
    with statements(app) as many:
        body = client.get("/api/v1/public/suggestions").json
    assert body["total"] == 5 and all(item["station"] and item["deputy"] for item in body["items"])
    assert len(many) == len(few)


def test_the_queue_export_reads_in_batches_and_keeps_every_row(client, world, admin, pending, monkeypatch):  # noqa: F811
    from backend.console import exports

    numbers = [pending["number"]]
    for n in range(4):
        numbers.append(file(client, world["citizen"], world["deputy_code"], content=f"第{n}条：路灯坏了。").json["number"])
    post_form(admin, f"/console/suggestions/{pending['id']}/merge", {"into": numbers[1]})
    monkeypatch.setattr(exports, "EXPORT_BATCH", 2)
    rows = list(load_workbook(BytesIO(admin.get("/console/suggestions/export.xlsx").data))["建议清单"].values)[1:]
    assert [r[0] for r in rows] == numbers[::-1]  # newest first, across three batches
    assert rows[-1][5] == "城北联络站" and rows[-1][13] == numbers[1]  # station, merged into
    assert rows[0][6] == "张伟" and rows[0][4] == "待接单"


def test_the_queue_offers_a_chosen_station_beyond_the_choices_shown(app, world, admin, factory, monkeypatch):  # noqa: F811
    hidden = factory.station(world["tree"]["hc"], "一联络站")
    other = factory.station(world["tree"]["hc"], "甲联络站")
    with app.app_context():
        from backend.auth.models import User
        user = db.session.scalar(db.select(User).where(User.username == "chengbei"))
        db.session.add(user)
        user.admin_stations.extend([db.session.merge(hidden), db.session.merge(other)])
        db.session.commit()
    monkeypatch.setitem(app.config, "CONSOLE_STATION_CHOICES", 1)
    page = admin.get(f"/console/suggestions?station_id={other.id}").get_data(as_text=True)
    assert f'<option value="{hidden.id}"' in page  # the first by name (一 sorts before 城 and 甲)
    assert f'<option value="{other.id}" selected' in page
    assert "城北联络站</option>" not in page  # beyond the limit, not chosen


def test_the_super_administrator_reads_every_item_without_a_region_condition(app, client, world, factory, pending):  # noqa: F811
    """The root region's administrator sees every item: the list, its count and the statistics carry no
    subtree test for the planner to check row by row (at a province's size the count read the whole
    table for it). A city's administrator still sees their subtree only."""
    assert file(client, world["citizen"], world["deputy_code"]).status_code == 201
    root = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    with statements(app) as seen:
        assert client.get("/api/v1/suggestions?scope=station", headers=root).json["total"] == 2
        assert client.get("/api/v1/suggestions?scope=all&status=pending", headers=root).json["total"] == 1
        assert client.get("/api/v1/stats/suggestions", headers=root).json["total"] == 2
    reads = [s for s in seen if " suggestions" in s and "FROM users" not in s]
    assert len(reads) == 5 and not any("regions.path LIKE" in s for s in reads)  # the statistics: items and ratings

    with statements(app) as seen:
        assert client.get("/api/v1/suggestions?scope=station", headers=world["other_admin"]).json["total"] == 0
    assert any("regions.path LIKE" in s for s in seen if " suggestions" in s and "FROM users" not in s)


def test_a_station_administrator_pages_the_queue_by_the_station_id(app, client, world, factory, pending):  # noqa: F811
    """An administrator of one station (most are) has its id written into the list's condition, so the
    station's index gives the queue newest first with no sort; one of several stations, or of a region
    and a station, still sees exactly theirs."""
    tree = world["tree"]
    second = factory.station(tree["hc"], "城南联络站")
    elsewhere = factory.station(tree["cs"], "岳麓联络站")
    for station in (second, elsewhere):
        assert file(client, world["citizen"], station.qr_code).status_code == 201
    both = factory.headers_for_admin(factory.admin("two-stations", stations=[world["station"], second]))
    region_and_station = factory.headers_for_admin(factory.admin("cs-and-second", region=tree["cs"], stations=[second]))

    def queue(headers, scope="station"):
        return sorted(i["station"]["name"] for i in client.get(f"/api/v1/suggestions?scope={scope}", headers=headers).json["items"])

    with statements(app) as seen:
        assert queue(world["admin"]) == queue(world["admin"], "all") == ["城北联络站"]
    reads = [s for s in seen if " suggestions" in s and "FROM users" not in s]
    assert len(reads) == 2 and not any("station_admins" in s for s in reads)
    assert queue(both) == ["城北联络站", "城南联络站"]
    assert queue(region_and_station) == queue(region_and_station, "all") == ["城南联络站", "岳麓联络站"]


def _plan(app, statement, parameters, postgres_settings=(), postgres_without=(), sqlite_indexed_by=None):
    """The database's plan of a statement the app sent, as one text. On PostgreSQL, ``postgres_without``
    names indexes left out of the choice (dropped in the transaction, which is rolled back). On SQLite,
    ``sqlite_indexed_by`` (table, index) makes the statement's first read of the table go through the
    index (``INDEXED BY``), which SQLite refuses ("no query solution") where the index cannot serve it:
    without statistics its planner takes any index of an equality over a partial index's walk."""
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            if sqlite_indexed_by:
                table, index = sqlite_indexed_by
                statement = statement.replace(f"FROM {table} ", f"FROM {table} INDEXED BY {index} ", 1)
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            return "\n".join(row[-1] for row in rows)
        for setting in postgres_settings:  # the few rows here would be read whole: say what else it could do
            conn.exec_driver_sql(f"SET LOCAL {setting} = off")
        for index in postgres_without:
            conn.exec_driver_sql(f"DROP INDEX {index}")
        return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))


def test_the_queue_by_deadline_and_by_a_numbers_tail_read_their_indexes(app, client, world, factory, pending):  # noqa: F811
    """At a province's size (bench/province.py) 按期限's first page is the first 20 entries of
    ix_suggestions_deadline_order, and a number's tail is looked up in ix_suggestions_number_reversed,
    never a read of every item. Alembic cannot compare the first with the model, so this is what says
    the migration made it in the exact shape the queue's order is written in."""
    assert file(client, world["citizen"], world["deputy_code"]).status_code == 201
    factory.admin("root", region=world["tree"]["root"])
    root = console_login(app, "root")
    with statements(app, with_parameters=True) as sent:
        assert pending["number"] in root.get("/console/suggestions?sort=due").get_data(as_text=True)
        page = [(s, p) for s, p in sent if s.lstrip().startswith("SELECT suggestions.id") and "LIMIT" in s]
        sent.clear()
        tail = pending["number"][-4:]
        assert pending["number"] in root.get(f"/console/suggestions?q={tail}").get_data(as_text=True)
        count = [(s, p) for s, p in sent if s.lstrip().startswith("SELECT count(*)") and "reverse(" in s]

    assert len(page) == 1 and len(count) == 1
    assert "ix_suggestions_deadline_order" in _plan(app, *page[0], ("enable_seqscan", "enable_sort"))
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    if postgres:  # SQLite's LIKE ignores case, so no index serves it there (nor need it, at SQLite's sizes)
        assert "ix_suggestions_number_reversed" in _plan(app, *count[0], ("enable_seqscan",))


def test_a_citizens_phone_is_looked_up_in_the_index_of_contact_phones(app, client, world, factory, pending):  # noqa: F811
    """A phone number typed into the queue's box is looked up in ix_suggestions_contact_phone (and, being
    digits, the end of a number in ix_suggestions_number_reversed), never a read of every item in scope:
    the planner uses an index on an expression only for that expression, so this says the query is
    written as the migration built it."""
    assert file(client, world["citizen"], world["deputy_code"], contact_phone="13900000001").status_code == 201
    factory.admin("root", region=world["tree"]["root"])
    root = console_login(app, "root")
    with statements(app, with_parameters=True) as sent:
        assert root.get("/console/suggestions?q=139 0000 0001").status_code == 200
        count = [(s, p) for s, p in sent if s.lstrip().startswith("SELECT count(*)") and "contact_phone" in s]
    assert len(count) == 1
    assert "ix_suggestions_contact_phone" in _plan(app, *count[0], ("enable_seqscan",))


def test_a_content_keyword_is_looked_up_in_the_index_of_the_contents_pairs(app, client, world, factory, pending):  # noqa: F811
    """On PostgreSQL a keyword of two characters or more, and of one, finds its candidates in
    ix_suggestion_search_texts_grams (migration 0023), not by reading every item in scope: the count
    and the page of a city's search, whose words no B-tree serves. SQLite reads the content."""
    assert file(client, world["citizen"], world["deputy_code"], content="夜间施工噪音扰民。").status_code == 201
    factory.admin("root", region=world["tree"]["root"])
    root = console_login(app, "root")
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    for keyword in ("噪音", "噪音扰民", "噪"):
        with statements(app, with_parameters=True) as sent:
            assert "夜间施工噪音扰民" in root.get(f"/console/suggestions?q={keyword}").get_data(as_text=True)
        reads = [(s, p) for s, p in sent if "suggestions.content LIKE" in s]
        assert len(reads) == 2, keyword  # the count and the page
        if postgres:
            for statement, parameters in reads:
                plan = _plan(app, statement, parameters, ("enable_seqscan", "enable_indexscan"))
                assert "ix_suggestion_search_texts_grams" in plan, (keyword, plan)


def test_the_apis_content_search_reads_the_side_tables_index(app, client, world, factory, pending):  # noqa: F811
    """The API's q= of a word (an administrator's list, a citizen's own) finds exactly the items whose
    content holds it; on PostgreSQL its page and count ask ix_suggestion_search_texts_grams for the
    candidates, the keyword's pieces a bound array, so that the list's cached statement serves every
    word of that shape (two words, one statement text)."""
    assert file(client, world["citizen"], world["deputy_code"], content="夜间施工噪音扰民。").status_code == 201
    root = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    texts = set()
    for keyword, headers, scope, expected in (("噪音", root, "station", 1), ("扰民", root, "station", 1),
                                              ("积水", root, "all", 1), ("噪音", world["citizen"], "mine", 1),
                                              ("噪声", root, "station", 0)):
        with statements(app, with_parameters=True) as sent:
            page = client.get(f"/api/v1/suggestions?scope={scope}&q={keyword}", headers=headers).json
        assert page["total"] == expected and all(keyword in item["content"] for item in page["items"]), keyword
        reads = [(s, p) for s, p in sent if "suggestions.content LIKE" in s]
        assert len(reads) == 1, keyword
        if postgres and headers is root:
            texts.add(reads[0][0]) if scope == "station" else None
            plan = _plan(app, *reads[0], ("enable_seqscan", "enable_indexscan"))
            assert "ix_suggestion_search_texts_grams" in plan, (keyword, plan)
    assert len(texts) == (1 if postgres else 0)


def test_a_word_many_items_hold_walks_the_list_instead_of_its_candidates(
        app, client, world, factory, pending, monkeypatch):  # noqa: F811
    """A word held by more than FEW_CANDIDATES items is searched by testing the content of each item the
    list walks (a page of its matches comes soon), a rarer one through its candidates; both find exactly
    the items holding it, in the console and in the API."""
    from backend.suggestions import queries

    monkeypatch.setattr(queries, "FEW_CANDIDATES", 1)
    for content in ("楼道积水，路灯不亮。", "路口积水严重。"):
        assert file(client, world["citizen"], world["station_code"], content=content).status_code == 201
    factory.admin("root", region=world["tree"]["root"])
    root = console_login(app, "root")
    headers = factory.headers_for_admin(factory.admin("root-api", region=world["tree"]["root"]))
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    for keyword, expected, indexed in (("积水", 3, False), ("路灯", 1, True)):
        with statements(app) as sent:
            page = client.get(f"/api/v1/suggestions?scope=station&q={keyword}", headers=headers).json
            queue = root.get(f"/console/suggestions?q={keyword}").get_data(as_text=True)
        assert page["total"] == expected and all(keyword in item["content"] for item in page["items"]), keyword
        assert f"共 {expected} 件" in queue, keyword
        reads = [s for s in sent if "suggestions.content LIKE" in s]
        assert len(reads) == 3 and all(("suggestion_content_grams(" in s) == (indexed and postgres) for s in reads)


def test_an_items_page_finds_the_items_merged_into_it_in_their_index(app, client, world, admin, pending):  # noqa: F811
    """The console's item page lists the duplicates merged into the item (已合并) from
    ix_suggestions_merged_into, over the merged items alone, never by reading every item."""
    from backend.suggestions.models import Suggestion

    duplicate = file(client, world["citizen"], world["station_code"], content="菜市场门口又积水了。").json
    with app.app_context():
        db.session.execute(db.update(Suggestion).where(Suggestion.id == duplicate["id"])
                           .values(merged_into_id=pending["id"]))
        db.session.commit()
    with statements(app, with_parameters=True) as sent:
        page = admin.get(f"/console/suggestions/{pending['id']}").get_data(as_text=True)
    assert "合并进来的重复建议" in page and duplicate["number"] in page
    merged = [(s, p) for s, p in sent if "suggestions.merged_into_id =" in s]
    assert len(merged) == 1
    assert "ix_suggestions_merged_into" in _plan(app, *merged[0], ("enable_seqscan",))


def test_erasure_finds_the_citizens_timeline_lines_in_their_index(app, client, world):  # noqa: F811
    """注销 renames the citizen's own lines in the timelines and reads their notes through
    ix_suggestion_events_citizen_actor (the citizens' lines alone), never by reading every line."""
    assert file(client, world["citizen"], world["station_code"]).status_code == 201
    with statements(app, with_parameters=True) as sent:
        assert client.delete("/api/v1/me", headers=world["citizen"]).status_code == 204
    own = [(s, p) for s, p in sent if "suggestion_events.actor_user_id =" in s]
    assert len(own) == 2 and own[0][0].lstrip().startswith("UPDATE") and own[1][0].lstrip().startswith("SELECT")
    for statement in own:
        assert "ix_suggestion_events_citizen_actor" in _plan(app, *statement, ("enable_seqscan",))


def test_erasure_renames_the_citizens_own_cancellations_among_their_appointments(app, client, world):  # noqa: F811
    """The appointments the citizen cancelled themself name them (answered_by): 注销 renames them 群众, found
    among the citizen's own appointments (ix_appointments_citizen) — only the citizen who asked may
    cancel, and erasure is for citizens alone — never by reading every appointment's answerer."""
    from backend.auth.models import User

    from .test_appointments import answer, ask

    with app.app_context():
        db.session.execute(db.update(User).where(User.openid == "fake-openid-citizen-wang").values(display_name="王小明"))
        db.session.commit()
    asked = ask(client, world["citizen"], world["deputy_code"]).json
    assert answer(client, world["citizen"], asked["id"], "cancel", note="问题已经解决了").status_code == 200
    seen = client.get(f"/api/v1/appointments/{asked['id']}", headers=world["zhang_h"]).json
    assert (seen["status_label"], seen["answered_by"]) == ("已取消", "王小明")
    with statements(app, with_parameters=True) as sent:
        assert client.delete("/api/v1/me", headers=world["citizen"]).status_code == 204
    seen = client.get(f"/api/v1/appointments/{asked['id']}", headers=world["zhang_h"]).json
    assert (seen["status_label"], seen["answered_by"]) == ("已取消", "群众")
    renamed = [(s, p) for s, p in sent if s.lstrip().startswith("UPDATE appointments") and "answered_by_name" in s]
    assert len(renamed) == 1
    assert "ix_appointments_citizen" in _plan(app, *renamed[0], ("enable_seqscan",))


def _received(factory, station, count):
    """``count`` deputies received at ``station``, each elected in a county of their own and received at
    another station in yet another county too: what a district's station with hundreds of deputies
    from all over holds, with every region and station different (nothing already read for another)."""
    city = station.region.parent
    for _ in range(count):
        elsewhere = factory.station(factory.region(level="county", parent=city))
        factory.deputy(factory.region(level="county", parent=city), stations=[station, elsewhere])


def test_a_stations_page_and_its_edit_read_its_deputies_whatever_their_number(app, client, factory, world):  # noqa: F811
    """The console's station page (for a station's, a city's and the province's administrator) and the
    API's PATCH of the station's deputies read the deputies received there, their regions, their other
    stations and those stations' regions in a few queries for them all, never a few per deputy."""
    station = world["station"]
    factory.admin("hh-admin", region=world["tree"]["hh"])
    factory.admin("root-admin", region=world["tree"]["root"])
    consoles = {name: console_login(app, name) for name in ("chengbei", "hh-admin", "root-admin")}

    def counted():
        seen = {}
        with app.app_context():
            ids = [d.id for d in db.session.get(type(station), station.id).deputies]
        for name, console in consoles.items():
            with statements(app) as sent:
                page = console.get(f"/console/stations/{station.id}")
            assert page.status_code == 200
            seen[name] = len(sent)
        with statements(app) as sent:
            edited = client.patch(f"/api/v1/stations/{station.id}", headers=world["admin"], json={"deputy_ids": ids})
        assert edited.status_code == 200, edited.json
        assert edited.json["deputy_ids"] == ids
        seen["patch"] = len(sent)
        form = {"name": "城北联络站", "kind": "center", "deputies_present": "1", "deputy_ids": [str(i) for i in ids]}
        path = f"/console/stations/{station.id}"
        assert post_form(consoles["chengbei"], path, form, page=path).status_code == 302  # as saved before
        with statements(app) as sent:
            saved = post_form(consoles["chengbei"], path, form, page=path)
        assert saved.status_code == 302, saved.get_data(as_text=True)
        seen["console save"] = len(sent)
        return seen, len(ids)

    _received(factory, station, 2)
    few, before = counted()
    _received(factory, station, 6)
    many, after = counted()
    assert after == before + 6
    assert many == few


def test_a_refused_station_edit_reads_its_deputies_whatever_their_number(app, factory, world):  # noqa: F811
    """The station's edit refused (a mistake in the form) comes back as typed, with the deputies ticked as
    they were ticked: for a station's, a city's and the province's administrator, the deputies ticked, the
    deputies received there, their regions, stations and those stations' regions are read in a few queries
    for them all, never a few per deputy."""
    station = world["station"]
    factory.admin("hh-admin", region=world["tree"]["hh"])
    factory.admin("root-admin", region=world["tree"]["root"])
    consoles = {name: console_login(app, name) for name in ("chengbei", "hh-admin", "root-admin")}
    path = f"/console/stations/{station.id}"
    tokens = {name: csrf_token(console, path) for name, console in consoles.items()}

    def counted():
        seen = {}
        with app.app_context():
            deputies = db.session.get(type(station), station.id).deputies
            ids, names = [d.id for d in deputies], [d.name for d in deputies]
        form = {"name": "", "kind": "center", "deputies_present": "1", "deputy_ids": [str(i) for i in ids]}
        for name, console in consoles.items():
            with statements(app) as sent:
                refused = console.post(path, data={"csrf_token": tokens[name], **form})
            page = refused.get_data(as_text=True)
            assert refused.status_code == 422, page
            assert "请填写联络站名称。" in page
            assert all(n in page for n in names)
            seen[name] = len(sent)
        return seen, len(ids)

    _received(factory, station, 2)
    few, before = counted()
    _received(factory, station, 6)
    many, after = counted()
    assert after == before + 6
    assert many == few


def test_a_refused_deputy_edit_reads_its_stations_whatever_their_number(app, factory, world):  # noqa: F811
    """The deputy's edit refused comes back as typed, with the stations ticked as they were ticked: the
    stations the city's administrator may choose from are read in a query or two for them all, never one
    each."""
    city = world["tree"]["hh"]
    factory.admin("hh-admin", region=city)
    console = console_login(app, "hh-admin")
    deputy = world["zhang"]
    path = f"/console/deputies/{deputy.id}"
    token = csrf_token(console, path)

    def counted():
        with app.app_context():
            ticked = [s.id for s in db.session.get(type(deputy), deputy.id).stations]
        form = {"name": "", "level": "city", "region_id": str(city.id), "stations_present": "1",
                "station_ids": [str(i) for i in ticked]}
        with statements(app) as sent:
            refused = console.post(path, data={"csrf_token": token, **form})
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422, page
        assert "请填写代表姓名。" in page
        return len(sent), page

    def stations(count):
        return [factory.station(factory.region(level="county", parent=city)) for _ in range(count)]

    named = stations(2)
    few, _ = counted()
    named += stations(6)
    many, page = counted()
    assert all(s.name in page for s in named)
    assert many == few


def test_a_station_administrators_page_of_deputies_reads_their_stations_regions_once(app, client, factory, world):  # noqa: F811
    """GET /api/v1/deputies for a station's administrator lists every deputy in office, theirs in full and
    the others' public profiles: whether each is theirs is told from the page's deputies, stations and
    stations' regions read once for the page, not a region per station of a deputy received elsewhere."""
    city = world["tree"]["hh"]

    def elsewhere(count):
        for _ in range(count):
            factory.deputy(city, stations=[factory.station(factory.region(level="county", parent=city))])

    def counted():
        with statements(app) as sent:
            page = client.get("/api/v1/deputies?per_page=50", headers=world["admin"])
        assert page.status_code == 200
        return len(sent), page.json["items"]

    elsewhere(2)
    few, items = counted()
    elsewhere(6)
    many, more = counted()
    assert len(more) == len(items) + 6 == 2 + 8
    assert [d["name"] for d in more if "phone" in d] == ["张伟", "李娜"]  # theirs in full, the others public
    assert many == few


def test_a_station_administrators_log_is_read_in_its_indexes(app, client, world, factory):  # noqa: F811
    """A station administrator's 操作日志 holds their own actions and those done to their account (a sign-in
    failed under their name, a password reset): two conditions, each looked up in its index, the second in
    ix_audit_events_user_target_at (the events done to accounts alone). Without it, PostgreSQL tested every
    event of the log against both: the page's count a parallel seq scan (145 ms at 1,000,000 events, 7 ms
    with it), its page a walk back along ix_audit_events_at through everyone else's events."""
    console = console_login(app, "chengbei")  # a sign-in: their own action
    someone = app.test_client()  # a sign-in failed under their name: done to their account
    token = csrf_token(someone, "/console/login")
    assert someone.post("/console/login", data={"username": "chengbei", "password": "wrong", "csrf_token": token}) \
        .status_code != 302
    with statements(app, with_parameters=True) as sent:
        log = client.get("/api/v1/audit-events", headers=world["admin"]).json
        assert console.get("/console/audit").status_code == 200
    assert {"login_succeeded", "login_failed"} <= {item["action"] for item in log["items"]}, log
    read = [(s, p) for s, p in sent if "FROM audit_events" in s]
    assert len(read) == 4, [s for s, _ in read]  # a count and a page, for the API and the console
    for statement in read:
        plan = _plan(app, *statement, ("enable_seqscan",))
        assert "ix_audit_events_actor_at" in plan and "ix_audit_events_user_target_at" in plan, plan
        assert "Seq Scan on audit_events" not in plan and "SCAN audit_events" not in plan, plan


def test_a_region_administrators_requests_and_log_are_read_in_their_indexes(app, client, world, factory):  # noqa: F811
    """A region administrator's requests are those at their stations and those asked in their region, and
    their 操作日志 the events of their region and their own: two conditions, each with its index. On
    PostgreSQL the pages' counts look each up in its index (ids of the regions and stations read first),
    never test every appointment or every event against both (an OR of ``IN (SELECT …)`` did: a seq scan
    of 300,000 appointments, of 2,000,000 events). SQLite reads both indexes too (MULTI-INDEX OR)."""
    from .test_appointments import ask

    assert ask(client, world["citizen"], world["deputy_code"]).status_code == 201
    assert ask(client, world["stranger"], world["station_code"]).status_code == 201
    county = factory.admin("hecheng", region=world["tree"]["hc"], stations=[world["station"]])
    headers = factory.headers_for_admin(county)
    console = console_login(app, "hecheng")
    with statements(app, with_parameters=True) as sent:
        assert client.get("/api/v1/appointments?scope=handling", headers=headers).json["total"] == 2
        assert console.get("/console/appointments?status=all").status_code == 200
        log = client.get("/api/v1/audit-events", headers=headers).json
    assert ("login_succeeded", "hecheng") in {(item["action"], item["actor"]) for item in log["items"]}, log
    assert log["total"] == len(log["items"]) == len({item["id"] for item in log["items"]})
    counts = [(s, p) for s, p in sent if s.lstrip().startswith("SELECT count(*)")]
    requests = [(s, p) for s, p in counts if "FROM appointments" in s]
    events = [(s, p) for s, p in counts if "FROM audit_events" in s]
    assert len(requests) == 2 and len(events) == 1
    for statement in requests:
        plan = _plan(app, *statement, ("enable_seqscan",))
        assert "ix_appointments_station_status" in plan and "ix_appointments_region_created" in plan, plan
        assert "Seq Scan on appointments" not in plan and "SCAN appointments" not in plan, plan
    plan = _plan(app, *events[0], ("enable_seqscan",))
    assert "ix_audit_events_region_at" in plan and "ix_audit_events_actor_at" in plan, plan
    assert "Seq Scan on audit_events" not in plan and "SCAN audit_events" not in plan, plan


def _refused_alike(app, console, path, form, grow, page=None):
    """``form`` posted to ``path`` and refused (422) before and after ``grow()`` adds to what the page shows
    again: the same statements both times (refused_form's ``read_after``: the page is read after its
    rollback, not before it, which would have it read again row by row). The second page's text."""
    token = csrf_token(console, page or path)

    def counted():
        with statements(app) as sent:
            refused = console.post(path, data={"csrf_token": token, **form})
        text = refused.get_data(as_text=True)
        assert refused.status_code == 422, text
        return len(sent), text

    few, _ = counted()
    grow()
    many, text = counted()
    assert many == few
    return text


def test_a_refused_account_edit_reads_the_stations_ticked_whatever_their_number(app, factory, world):  # noqa: F811
    """A station administrator's account, its name too long: the page again with the stations ticked as
    they were ticked, read in a query or two for them all."""
    factory.admin("hh-admin", region=world["tree"]["hh"])
    console = console_login(app, "hh-admin")
    with app.app_context():
        from backend.auth.models import User
        account_id = db.session.scalar(select(User.id).where(User.username == "chengbei"))
    ticked = [world["station"]]
    form = {"display_name": "名" * 65, "stations_present": "1"}

    def grow():
        ticked.extend(factory.station(factory.region(level="county", parent=world["tree"]["hh"])) for _ in range(5))
        form["station_ids"] = [str(s.id) for s in ticked]

    form["station_ids"] = [str(world["station"].id), str(factory.station(world["tree"]["hc"]).id)]
    page = _refused_alike(app, console, f"/console/admins/{account_id}", form, grow)
    assert all(s.name in page for s in ticked)


def test_a_refused_new_deputy_reads_the_stations_offered_whatever_their_number(app, factory, world):  # noqa: F811
    factory.admin("hh-admin", region=world["tree"]["hh"])
    console = console_login(app, "hh-admin")
    added = []

    def grow():
        added.extend(factory.station(factory.region(level="county", parent=world["tree"]["hh"])) for _ in range(5))

    page = _refused_alike(app, console, "/console/deputies/new",
                          {"name": "", "level": "county", "region_id": str(world["tree"]["hc"].id)}, grow)
    assert "请填写代表姓名。" in page and all(s.name in page for s in added)


def test_a_refused_new_research_topic_reads_the_list_of_topics_whatever_its_length(app, factory, world):  # noqa: F811
    """A form on a list page (调研清单; 联系清单, 民生实事 and 立法意见征集 alike): the list read once again."""
    factory.admin("hh-admin", region=world["tree"]["hh"])
    console = console_login(app, "hh-admin")
    token = csrf_token(console, "/console/research")

    def topic(title):
        made = console.post("/console/research", data={"csrf_token": token, "title": title, "theme": "产业发展"})
        assert made.status_code == 302, made.get_data(as_text=True)

    topic("课题甲")

    def grow():
        for number in range(5):
            topic(f"课题{number}")

    page = _refused_alike(app, console, "/console/research", {"title": "", "theme": "产业发展"}, grow)
    assert "课题4" in page


def test_a_refused_workday_entry_reads_the_years_days_whatever_their_number(app, factory, world):  # noqa: F811
    factory.admin("root-admin", region=world["tree"]["root"])
    console = console_login(app, "root-admin")
    token = csrf_token(console, "/console/workdays")

    def enter(first, last):
        made = console.post("/console/workdays", data={"csrf_token": token, "kind": "holiday", "first": first,
                                                        "last": last, "name": "假期"})
        assert made.status_code == 302, made.get_data(as_text=True)

    enter("2027-01-01", "2027-01-02")
    page = _refused_alike(app, console, "/console/workdays", {"kind": "", "first": "2027-03-01"},
                          lambda: enter("2027-10-01", "2027-10-07"))
    assert "请选择放假或调休上班。" in page


def test_a_refused_form_on_a_liaisons_page_reads_its_deputies_whatever_their_number(app, factory, world):  # noqa: F811
    """安排联系代表 with none ticked (the liaison's edit and 登记联系 alike; 调研, 立法意见征集 and 民生实事's item
    pages too): the liaison's page again, its deputies read in as many statements for six as for one."""
    factory.admin("hh-admin", region=world["tree"]["hh"])
    console = console_login(app, "hh-admin")
    token = csrf_token(console, "/console/liaisons")
    made = console.post("/console/liaisons", data={"csrf_token": token, "name": "王某某", "kind": "member"})
    assert made.status_code == 302, made.get_data(as_text=True)
    path = made.headers["Location"]
    station = world["station"]

    def assign(deputies):
        done = console.post(f"{path}/deputies", data={"csrf_token": token, "deputy_ids": [str(d.id) for d in deputies]})
        assert done.status_code == 302, done.get_data(as_text=True)

    assign([world["zhang"]])

    def grow():  # 李娜 is left to choose, as before
        _received(factory, station, 5)
        with app.app_context():
            assign([d for d in db.session.get(type(station), station.id).deputies if d.name != "李娜"])

    page = _refused_alike(app, console, f"{path}/deputies", {}, grow, page=path)
    assert "请至少选择一位代表。" in page and "李娜" in page


def test_a_refused_points_correction_reads_the_years_corrections_whatever_their_number(app, factory, world):  # noqa: F811
    """积分更正 of 0 points: the archive again, the year's corrections read in one statement however many."""
    factory.admin("hh-admin", region=world["tree"]["hh"])
    console = console_login(app, "hh-admin")
    deputy = world["zhang"]
    page, path = f"/console/deputies/{deputy.id}/archive", f"/console/deputies/{deputy.id}/points/corrections"
    token = csrf_token(console, page)

    def correct(number):
        done = console.post(path, data={"csrf_token": token, "points": "2", "reason": f"补记第{number}次"})
        assert done.status_code == 302, done.get_data(as_text=True)

    correct(0)

    def grow():
        for number in range(1, 6):
            correct(number)

    text = _refused_alike(app, console, path, {"points": "0", "reason": "补记"}, grow, page=page)
    assert "更正的积分不能为 0。" in text and "补记第5次" in text


def test_the_public_list_is_counted_and_paged_in_its_index_alone(app, client, world, factory):  # noqa: F811
    """The public list (published_query, with 不予公开 since 0059) is counted from ix_suggestions_public
    alone on PostgreSQL, every condition of the list in the index's own, and its page is the index's last
    entries: never a read of every item to find which may be shown. SQLite can use it (its conditions
    written as the index's)."""
    from backend.suggestions.models import Status, Suggestion

    with app.app_context():
        from backend.auth.models import User
        citizen_id = db.session.scalar(db.select(User.id).where(User.username == "chengbei"))
        for n, withheld in enumerate((None, None, "含当事人姓名")):
            db.session.add(Suggestion(
                citizen_id=citizen_id, filed_via="station", station_id=world["station"].id,
                region_id=world["station"].region_id, category="城市管理", content=f"已办结的建议 {n}",
                status=Status.closed, public_consent=True, screening="pass", closed_dt=utcnow(),
                public_withheld_reason=withheld))
        db.session.commit()
        postgres = db.engine.dialect.name == "postgresql"
    with statements(app, with_parameters=True) as sent:
        assert client.get("/api/v1/public/suggestions").json["total"] == 2
    reads = [(s, p) for s, p in sent if "public_withheld_reason IS NULL" in s]
    count = [(s, p) for s, p in reads if s.lstrip().startswith("SELECT count(*)")]
    page = [(s, p) for s, p in reads if "LIMIT" in s]
    assert len(count) == 1 and len(page) == 1
    public = ("suggestions", "ix_suggestions_public")
    counted = _plan(app, *count[0], ("enable_seqscan", "enable_bitmapscan"), sqlite_indexed_by=public)
    # SQLite (3.40) reads the rows of a partial index's entries to test the conditions the index holds.
    assert ("Index Only Scan using ix_suggestions_public" if postgres
            else "USING INDEX ix_suggestions_public") in counted, counted
    paged = _plan(app, *page[0], ("enable_seqscan", "enable_sort"), sqlite_indexed_by=public)
    assert "ix_suggestions_public" in paged and "TEMP B-TREE" not in paged, paged


def test_restoring_deputies_to_office_finds_their_codes_in_the_targets_index(app, client, world, factory):  # noqa: F811
    """Restored to office (恢复在任), a deputy's latest code is looked up among their codes in
    ix_qr_codes_target, never by reading every code of the province (140,000 deputies' codes)."""
    root = factory.headers_for_admin(factory.admin("root", region=world["tree"]["root"]))
    path = f"/api/v1/deputies/{world['zhang'].id}"
    assert client.patch(path, json={"active": False}, headers=root).status_code == 200
    with statements(app, with_parameters=True) as sent:
        restored = client.patch(path, json={"active": True}, headers=root)
    assert restored.status_code == 200 and restored.json["qr_code"] == world["deputy_code"]
    restore = [(s, p) for s, p in sent if s.lstrip().startswith("UPDATE qr_codes") and "max(" in s]
    assert len(restore) == 1
    assert "ix_qr_codes_target" in _plan(app, *restore[0], ("enable_seqscan",))


def test_the_held_and_supervised_tabs_read_their_few_items_in_their_indexes(app, client, world, factory, pending):  # noqa: F811
    """内容待审核 and 督办 list the few items held or supervised in a whole scope: their page and their count
    read ix_suggestions_held and ix_suggestions_supervised (migration 0067), whose conditions the filters
    are written as (bound, a flag matched neither: a city's 内容待审核 read 510,000 of 600,000 items to find
    21). Neither lists an item it should not."""
    from backend.suggestions.models import Suggestion

    assert file(client, world["citizen"], world["deputy_code"]).status_code == 201
    with app.app_context():
        db.session.get(Suggestion, pending["id"]).held_for_review = True
        supervised = db.session.scalars(select(Suggestion).where(Suggestion.id != pending["id"])).one()
        supervised.supervised = True
        supervised_id, supervised_number = supervised.id, supervised.number
        db.session.commit()
    headers = factory.headers_for_admin(factory.admin("county", region=world["tree"]["hc"]))
    county = console_login(app, "county")

    def listed(flags):
        return [i["id"] for i in client.get(f"/api/v1/suggestions?scope=station&{flags}", headers=headers).json["items"]]

    assert listed("held=true") == listed("supervised=false") == [pending["id"]]
    assert listed("held=false") == listed("supervised=true") == [supervised_id]
    for tab, index, number in (("held=1", "ix_suggestions_held", pending["number"]),
                               ("supervised=1&open=1", "ix_suggestions_supervised", supervised_number)):
        with statements(app, with_parameters=True) as sent:
            page = county.get(f"/console/suggestions?{tab}").get_data(as_text=True)
        assert "共 1 件" in page and number in page, tab
        reads = [(s, p) for s, p in sent if s.lstrip().startswith(("SELECT count(*)", "SELECT suggestions.id"))
                 and "FROM suggestions" in s]
        assert len(reads) == 2, tab
        for statement, parameters in reads:
            assert index in _plan(app, statement, parameters, ("enable_seqscan", "enable_indexscan"),
                                  sqlite_indexed_by=("suggestions", index)), (tab, statement)


def test_a_county_reads_its_items_through_the_ids_of_its_stations_and_regions(app, client, world, factory, pending):  # noqa: F811
    """On PostgreSQL a county's or a township's administrator has the items of their subtree read as the
    region filter reads them, each list of ids as one array (``= ANY``), which the planner answers from the
    stations' and the regions' indexes; as ``IN (SELECT …)`` it read every item of a province (a county's
    statistics 618-805 ms against 221). A city keeps ``IN``: its share of the items is read faster whole.
    Each sees the same items either way: the county's station's, and those filed at its deputy's code."""
    assert file(client, world["citizen"], world["deputy_code"]).status_code == 201
    tree = world["tree"]
    county = factory.headers_for_admin(factory.admin("county", region=tree["hc"]))
    city = factory.headers_for_admin(factory.admin("city", region=tree["hh"]))
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    for headers, arrays in ((county, postgres), (city, False)):
        with statements(app) as seen:
            assert client.get("/api/v1/stats/suggestions", headers=headers).json["total"] == 2
            assert client.get("/api/v1/suggestions?scope=station", headers=headers).json["total"] == 2
        reads = [s for s in seen if "FROM suggestions" in s and "FROM users" not in s]
        assert reads and all(("= ANY (" in s) == arrays for s in reads), reads
    assert client.get("/api/v1/stats/suggestions", headers=world["other_admin"]).json["total"] == 0


def test_the_queues_deputy_choices_ask_a_regions_own_deputies_first(app, world, factory, monkeypatch):  # noqa: F811
    """Whether a region has more deputies than the queue lists (QUEUE_DEPUTY_CHOICES) is asked of its own
    deputies first, through their region's index, not of every deputy tested against the station links of
    the region's stations (28-48 ms for a city of a province); fewer than that, the whole scope, with those
    received at its stations from elsewhere."""
    from backend.console import suggestions as queue

    tree = world["tree"]
    factory.deputy(tree["yl"], "周杰", phone="13800000009", stations=[world["station"]])  # elected elsewhere
    factory.admin("city", region=tree["hh"])
    city = console_login(app, "city")
    with statements(app) as seen:
        page = city.get("/console/suggestions").get_data(as_text=True)
    probes = [s for s in seen if s.split()[:3] == ["SELECT", "deputies.id", "FROM"]]
    assert len(probes) == 2 and "station_deputies" not in probes[0] and "station_deputies" in probes[1]
    assert all(name in page for name in ("张伟", "李娜", "周杰")) and 'id="deputy-search-note"' not in page

    monkeypatch.setattr(queue, "QUEUE_DEPUTY_CHOICES", 1)
    with statements(app) as seen:
        page = city.get("/console/suggestions").get_data(as_text=True)
    probes = [s for s in seen if s.split()[:3] == ["SELECT", "deputies.id", "FROM"]]
    assert len(probes) == 1 and "station_deputies" not in probes[0] and 'id="deputy-search-note"' in page


def test_the_deputy_pickers_search_reads_its_indexes(app, world, factory):  # noqa: F811
    """At a province's 140,000 deputies (bench/deputy_picker.py) the picker's search (GET /console/deputy-options)
    finds a phone's end in ix_deputies_phone_reversed and, on PostgreSQL, a name's candidates in
    ix_deputies_name_grams; with nothing typed it is the first entries of ix_deputies_active_name: never a
    read of every deputy. The planner uses an index on an expression only for that expression, so this says
    the search is written as migration 0069 built them."""
    station2 = factory.station(world["tree"]["hc"], "城南联络站")
    first = factory.deputy(world["tree"]["hc"], "王伟", phone="13911118801", level="county", stations=[world["station"]])
    second = factory.deputy(world["tree"]["hc"], "王伟", phone="13922228802", level="county", stations=[station2])
    factory.admin("root", region=world["tree"]["root"])
    root = console_login(app, "root")
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    zhang = world["zhang"].id
    for q, found, index, settings in (
            ("8802", [second.id], "ix_deputies_phone_reversed", ("enable_seqscan", "enable_bitmapscan")),
            ("王伟", [first.id, second.id], "ix_deputies_name_grams", ("enable_seqscan",)),
            ("伟", [first.id, second.id, zhang], "ix_deputies_name_grams", ("enable_seqscan",)),
            ("", None, "ix_deputies_active_name", ("enable_seqscan", "enable_sort"))):
        with statements(app, with_parameters=True) as sent:
            items = root.get("/console/deputy-options", query_string={"q": q}).json["items"]
        if found is not None:
            assert [d["id"] for d in items] == found, q
        else:
            assert {first.id, second.id, zhang} <= {d["id"] for d in items}
        reads = [(s, p) for s, p in sent if "FROM deputies" in s and "ORDER BY deputies.name" in s]
        assert len(reads) == 1, q
        if postgres:  # the few deputies here are read as well by a walk of every deputy in office (the list's,
            # or 0072's for the rank): those are left out of a search, which at 140,000 never takes them
            plan = _plan(app, *reads[0], settings,
                         () if q == "" else ("ix_deputies_active_name", "ix_deputies_active_created"))
            assert index in plan, (q, plan)

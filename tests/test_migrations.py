"""The migrations build exactly the schema the models describe (the test database is built by them)."""
import contextlib
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, make_url, text


def test_the_migrated_schema_matches_the_models(app):
    from backend.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        # As ``flask db migrate`` compares them (backend.extensions.compared_by_autogenerate).
        options = {"include_object": app.extensions["migrate"].configure_args["include_object"]}
        differences = compare_metadata(MigrationContext.configure(conn, opts=options), db.metadata)
    assert differences == [], "a model changed without a migration (or the other way round):\n" + "\n".join(
        map(str, differences))


def test_upgrading_a_database_in_use_keeps_every_row(tmp_path):
    """On SQLite, altering ``users`` copies and drops the table every other table references: the rows
    that point at it must survive, and foreign keys must be enforced again afterwards."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'in-use.sqlite'}", "SECRET_KEY": "t"})
    with app.app_context():
        _migrated(app.config["SQLALCHEMY_DATABASE_URI"], "0006")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (id, name, level, path, created_dt) "
                              "VALUES (1, '县', 'county', '/1/', '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO stations (id, name, kind, region_id, address, open_hours, description, "
                              "created_dt) VALUES (1, '站', 'center', 1, '', '', '', '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO users (id, username, display_name, token_version, created_dt) "
                              "VALUES (7, 'clerk', '', 0, '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO station_admins (station_id, user_id) VALUES (1, 7)"))
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT station_id, user_id FROM station_admins")).all() == [(1, 7)]
            assert conn.execute(text("SELECT username, notify_user_id FROM users")).all() == [("clerk", None)]
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


def test_forwardings_made_before_work_orders_become_work_orders(tmp_path):
    """0017 turns every ``forward`` line of the timelines into a work order, answered at the ``feedback``
    after it; an item still forwarded keeps an open one, which its feedback then answers. Downgraded,
    the items stay and the work orders go."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'forwarded.sqlite'}", "SECRET_KEY": "t"})
    item = ("INSERT INTO suggestions (id, number, citizen_id, filed_via, region_id, category, content, address, "
            "anonymous, public_consent, status, round, supervised, overdue, due_soon, screening, held_for_review, "
            "forward_target, forward_department, created_dt, updated_dt, version) VALUES (:id, :number, 7, 'deputy', "
            "1, '城市管理', '路灯坏了', '', 0, 0, :status, 1, 0, 0, 0, 'pass', 0, :target, :department, "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)")
    line = ("INSERT INTO suggestion_events (id, suggestion_id, action, actor_role, actor_name, note, data, created_dt) "
            "VALUES (:id, :item, :action, 'deputy', '张伟', '', :data, :at)")
    with app.app_context():
        _migrated(app.config["SQLALCHEMY_DATABASE_URI"], "0016")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (id, name, level, path, created_dt) "
                              "VALUES (1, '县', 'county', '/1/', '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO users (id, username, display_name, token_version, created_dt) "
                              "VALUES (7, NULL, '', 0, '2026-01-01 00:00:00')"))
            conn.execute(text(item), [
                {"id": 1, "number": "MSB-1", "status": "accepted", "target": "hotline_12345",
                 "department": "12345 热线人大代表通道"},
                {"id": 2, "number": "MSB-2", "status": "forwarded", "target": "department", "department": "县住建局"},
            ])
            conn.execute(text(line), [
                {"id": 1, "item": 1, "action": "accept", "data": None, "at": "2026-01-02 00:00:00"},
                {"id": 2, "item": 1, "action": "forward", "data": '{"target": "department", "department": "县城管局"}',
                 "at": "2026-01-03 00:00:00"},
                {"id": 3, "item": 2, "action": "forward", "data": '{"target": "department", "department": "县住建局"}',
                 "at": "2026-01-03 08:00:00"},
                {"id": 4, "item": 1, "action": "feedback", "data": '{"department": "县城管局"}',
                 "at": "2026-01-04 00:00:00"},
                {"id": 5, "item": 1, "action": "forward",
                 "data": '{"target": "hotline_12345", "department": "12345 热线人大代表通道"}', "at": "2026-01-05 00:00:00"},
                {"id": 6, "item": 1, "action": "feedback", "data": '{"department": "12345 热线人大代表通道"}',
                 "at": "2026-01-06 00:00:00"},
            ])
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text(
                "SELECT suggestion_id, target, department, work_order_no, forwarded_dt, feedback_dt, satisfaction "
                "FROM suggestion_work_orders ORDER BY id")).all() == [
                (1, "department", "县城管局", None, "2026-01-03 00:00:00.000000", "2026-01-04 00:00:00.000000", None),
                (1, "hotline_12345", "12345 热线人大代表通道", None, "2026-01-05 00:00:00.000000",
                 "2026-01-06 00:00:00.000000", None),
                (2, "department", "县住建局", None, "2026-01-03 08:00:00.000000", None, None),
            ]
        downgrade(revision="0016")
        assert "suggestion_work_orders" not in inspect(db.engine).get_table_names()
        assert "forward_work_order_no" not in {c["name"] for c in inspect(db.engine).get_columns("suggestions")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT id, status FROM suggestions ORDER BY id")).all() == [
                (1, "accepted"), (2, "forwarded")]
        db.engine.dispose()


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """A database of its own for a migration test: a file on SQLite; on PostgreSQL one beside the tests'."""
    yield from _scratch(database_url, tmp_path, "scratch")


@pytest.fixture
def second_scratch_url(database_url, tmp_path):
    """Another, for a test that compares two databases."""
    yield from _scratch(database_url, tmp_path, "scratch2")


def _scratch(database_url, tmp_path, name):
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / f'{name}.sqlite'}"
        return
    url = make_url(database_url)
    scratch = url.set(database=f"{url.database}_{name}")
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}"'))
        conn.execute(text(f'CREATE DATABASE "{scratch.database}"'))
    yield scratch.render_as_string(hide_password=False)
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
    server.dispose()


# Databases migrated up to a revision, built once a session (per process: an xdist worker has its own),
# for the tests that start from an old revision: {(dialect, revision): URL}.
_MIGRATED = {}
_migrated_home = {}


@pytest.fixture(scope="session", autouse=True)
def _migrated_databases(database_url, tmp_path_factory):
    """Where ``_migrated`` keeps its databases: files of a directory of their own on SQLite; on PostgreSQL,
    databases beside the tests' (named after it, so one per xdist worker), dropped at the end of the session."""
    home = tmp_path_factory.mktemp("migrated")
    _migrated_home["sqlite"] = lambda revision: f"sqlite:///{home / f'{revision}.sqlite'}"
    if not database_url.startswith("sqlite"):
        url = make_url(database_url)
        _migrated_home["postgresql"] = lambda revision: url.set(
            database=f"{url.database}_scratch_at_{revision}").render_as_string(hide_password=False)
    yield
    cached = list(_MIGRATED.values())
    _MIGRATED.clear()
    for url in cached:
        _copy_database(None, url, drop_only=True)


def _migrated(url, revision):
    """Makes the scratch database ``url`` what ``upgrade(revision=revision)`` makes of an empty one, by
    copying a database migrated so far once this session (itself upgraded from the highest one below it).
    Call it before the app of ``url`` first connects."""
    from flask_migrate import upgrade

    from backend import create_app
    from backend.extensions import db

    dialect = make_url(url).get_backend_name()  # a SQLite-only test's file when the tests run on PostgreSQL
    if (dialect, revision) not in _MIGRATED:
        below = max((cached for kind, cached in _MIGRATED if kind == dialect and cached < revision), default=None)
        built = _migrated_home[dialect](revision)
        _copy_database(_MIGRATED.get((dialect, below)), built)
        app = create_app({"SQLALCHEMY_DATABASE_URI": built, "SECRET_KEY": "t"})
        with app.app_context():
            upgrade(revision=revision)
            db.engine.dispose()
        _MIGRATED[dialect, revision] = built
    _copy_database(_MIGRATED[dialect, revision], url)


def _copy_database(source, target, drop_only=False):
    """``target`` made a copy of the database ``source`` (None: an empty one), or dropped."""
    if target.startswith("sqlite"):
        import sqlite3

        path = make_url(target).database
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + suffix)
        if source and not drop_only:
            with contextlib.closing(sqlite3.connect(make_url(source).database)) as original, \
                    contextlib.closing(sqlite3.connect(path)) as copy:
                original.backup(copy)
        return
    name = make_url(target).database
    server = create_engine(make_url(target).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop_only:
            template = f' TEMPLATE "{make_url(source).database}"' if source else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
    server.dispose()


def test_activities_held_before_the_record_get_the_lines_their_rows_tell(scratch_url):
    """0018 on a database with activities: each gets the lines its rows still tell, oldest first — 发单 by
    whom, each deputy's latest answer (with the reason for leave), their scans, 补签 by whom and why —
    marked as written from them; nothing is invented for what no row kept (who closed it). Steps taken
    afterwards follow them. Downgraded, the record goes and the activities stay."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, select

    from backend import create_app
    from backend.activities.models import ActivityEvent
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    postgres = not scratch_url.startswith("sqlite")

    def at(hour, minute=0):
        return f"2026-11-20 {hour:02}:{minute:02}:00" + ("+00" if postgres else "")

    with app.app_context():
        _migrated(scratch_url, "0017")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (id, name, level, path, created_dt) "
                              "VALUES (1, '县', 'county', '/1/', :at)"), {"at": at(0)})
            conn.execute(text("INSERT INTO deputies (id, name, level, region_id, group_name, active, bio, created_dt, "
                              "updated_dt) VALUES (:id, :name, 'county', 1, '', :yes, '', :at, :at)"),
                         [{"id": i, "name": name, "yes": True, "at": at(0)}
                          for i, name in ((1, "张伟"), (2, "李娜"), (3, "王强"), (4, "赵敏"))])
            conn.execute(text("INSERT INTO users (id, username, display_name, deputy_id, admin_region_id, "
                              "token_version, created_dt) VALUES (:id, :username, :display, :deputy, :region, 0, :at)"), [
                {"id": 7, "username": "liujing", "display": "刘静", "deputy": None, "region": 1, "at": at(0)},
                {"id": 8, "username": None, "display": "", "deputy": 1, "region": None, "at": at(0)},
                {"id": 9, "username": None, "display": "", "deputy": 2, "region": None, "at": at(0)},
            ])
            conn.execute(text("INSERT INTO activities (id, title, type, status, region_id, place, starts_dt, ends_dt, "
                              "description, created_by_id, created_dt, closed_dt, version) VALUES (:id, '进站接待', "
                              "'reception', :status, 1, '人民路 18 号', :starts, :ends, '', 7, :created, :closed, 1)"), [
                {"id": 1, "status": "closed", "starts": at(9), "ends": at(11), "created": at(1), "closed": at(12)},
                {"id": 2, "status": "published", "starts": at(9), "ends": at(11), "created": at(2), "closed": None},
            ])
            conn.execute(text(
                "INSERT INTO activity_participants (activity_id, deputy_id, status, decline_reason, responded_dt, "
                "checked_in_dt, checkin_by_id, checkin_note) VALUES (:activity, :deputy, :status, :reason, :responded, "
                ":checked_in, :by, :note)"), [
                {"activity": 1, "deputy": 1, "status": "checked_in", "reason": "", "responded": at(3),
                 "checked_in": at(8, 55), "by": None, "note": ""},
                {"activity": 1, "deputy": 2, "status": "declined", "reason": "出差在外", "responded": at(4),
                 "checked_in": None, "by": None, "note": ""},
                {"activity": 1, "deputy": 3, "status": "checked_in", "reason": "", "responded": None,
                 "checked_in": at(9, 30), "by": 7, "note": "手机没电"},
                {"activity": 1, "deputy": 4, "status": "absent", "reason": "", "responded": None,
                 "checked_in": None, "by": None, "note": ""},
                {"activity": 2, "deputy": 1, "status": "invited", "reason": "", "responded": None,
                 "checked_in": None, "by": None, "note": ""},
            ])
        upgrade()

        def lines():
            db.session.expire_all()
            return [(e.activity_id, e.action.value, e.actor_role, e.actor_user_id, e.actor_name, e.deputy_id, e.note,
                     f"{e.created_dt:%H:%M}")
                    for e in db.session.scalars(select(ActivityEvent).order_by(ActivityEvent.id))]

        note = "据升级前的数据补记"
        written = lines()
        assert sorted(written, key=lambda line: line[0]) == written  # each activity's lines together
        assert written == [
            (1, "dispatched", "region_admin", 7, "刘静", None, note, "01:00"),
            (1, "accepted", "deputy", 8, "张伟", 1, note, "03:00"),
            (1, "declined", "deputy", 9, "李娜", 2, f"请假理由：出差在外（{note}）", "04:00"),
            (1, "checked_in", "deputy", 8, "张伟", 1, note, "08:55"),
            (1, "checked_in_by_hand", "region_admin", 7, "刘静", 3, f"为王强补签，原因：手机没电（{note}）", "09:30"),
            (2, "dispatched", "region_admin", 7, "刘静", None, note, "02:00"),
        ]
        # The app writes on after them: a line added now is the activity's newest.
        db.session.add(ActivityEvent(activity_id=1, action="edited", actor_role="region_admin", actor_name="刘静",
                                     note="名称改为“进站接待选民”"))
        db.session.commit()
        assert lines()[-1][:2] == (1, "edited")
        db.session.remove()

        downgrade(revision="0017")
        assert "activity_events" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT id, status FROM activities ORDER BY id")).all() == [
                (1, "closed"), (2, "published")]
            assert conn.execute(text("SELECT count(*) FROM activity_participants")).scalar() == 5
        db.engine.dispose()


def _index_names(table):
    """The table's indexes, those on expressions too (which SQLAlchemy does not read back from SQLite)."""
    from backend.extensions import db

    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"),
                                    {"t": table}))
        return set(conn.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = :t"), {"t": table}))


def _insert_items(url, items):
    """Suggestions as an older schema holds them (each with its id, number and content), in a county of
    their own, filed by one citizen, pending."""
    from backend.extensions import db

    at = "2026-11-22 08:00:00" + ("" if url.startswith("sqlite") else "+00")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO regions (id, name, level, path, created_dt) "
                          "VALUES (1, '县', 'county', '/1/', :at)"), {"at": at})
        conn.execute(text("INSERT INTO users (id, username, display_name, token_version, created_dt) "
                          "VALUES (7, NULL, '', 0, :at)"), {"at": at})
        conn.execute(text(
            "INSERT INTO suggestions (id, number, citizen_id, filed_via, region_id, category, content, address, "
            "anonymous, public_consent, status, round, supervised, overdue, due_soon, screening, held_for_review, "
            "created_dt, updated_dt, version) VALUES (:id, :number, 7, 'station', 1, '城市管理', :content, '', "
            ":no, :no, 'pending', 1, :no, :no, :no, 'pass', :no, :at, :at, 1)"),
            [item | {"no": False, "at": at} for item in items])


def test_items_numbered_before_0019_are_found_by_their_numbers_tail(scratch_url):
    """0019 on a database with items: the number index covers the items already there, so the console's
    keyword box finds each by the last digits of its number (or all of them) straight after the upgrade;
    one filed a moment ago and not numbered yet is found by none. Downgraded, the indexes go and the
    items stay."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from backend import create_app
    from backend.extensions import db
    from backend.suggestions.models import Suggestion
    from backend.suggestions.queries import number_ends_with

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    numbers = {1: "MSB-20261122-000123", 2: "MSB-20261122-001123", 3: "MSB-20261123-000124", 4: None}
    with app.app_context():
        _migrated(scratch_url, "0018")
        _insert_items(scratch_url, [{"id": i, "number": number, "content": "路灯坏了"} for i, number in numbers.items()])
        upgrade()
        assert {"ix_suggestions_number_reversed", "ix_suggestions_deadline_order"} <= _index_names("suggestions")

        def ending(digits):
            return set(db.session.scalars(select(Suggestion.id).where(number_ends_with(digits))))

        assert ending("123") == {1, 2}
        assert ending("000123") == {1}
        assert ending("20261122001123") == {2}
        assert ending("124") == {3}
        db.session.remove()

        downgrade(revision="0018")
        assert not {"ix_suggestions_number_reversed", "ix_suggestions_deadline_order"} & _index_names("suggestions")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT id, number FROM suggestions ORDER BY id")).all() == list(numbers.items())
        db.engine.dispose()


def test_items_written_before_0023_are_found_by_a_word_of_their_content(scratch_url):
    """0023 on a database with items: on PostgreSQL the side table of the content's characters and pairs
    covers the items already there, so the keyword search finds each straight after the upgrade, and an
    item filed afterwards is added by the trigger (SQLite reads the content, before and after). A step
    of an item's workflow rewrites its row but not its pieces. Downgraded, the table, its trigger and
    functions go and the items stay."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from backend import create_app
    from backend.extensions import db
    from backend.suggestions.models import Suggestion
    from backend.suggestions.queries import keyword_clause

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    postgres = not scratch_url.startswith("sqlite")
    contents = {1: "小区门口路灯坏了。", 2: "夜间施工噪音扰民。", 3: "路口的灯不亮。"}
    with app.app_context():
        _migrated(scratch_url, "0022")
        _insert_items(scratch_url, [{"id": i, "number": None, "content": content} for i, content in contents.items()])
        upgrade()
        assert ("ix_suggestion_search_texts_grams" in _index_names("suggestion_search_texts")) == postgres

        def holding(keyword):
            return set(db.session.scalars(select(Suggestion.id).where(keyword_clause(keyword))))

        assert holding("路灯") == {1}
        assert holding("灯") == {1, 3}
        assert holding("噪音扰民") == {2}
        assert holding("灯坏了") == {1}
        assert holding("灯不坏") == set()

        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO suggestions (id, citizen_id, filed_via, region_id, category, content, "
                              "address, anonymous, public_consent, status, round, supervised, overdue, due_soon, "
                              "screening, held_for_review, created_dt, updated_dt, version) "
                              "SELECT 4, citizen_id, filed_via, region_id, category, '楼道路灯不亮。', address, anonymous, "
                              "public_consent, status, round, supervised, overdue, due_soon, screening, "
                              "held_for_review, created_dt, updated_dt, version FROM suggestions WHERE id = 1"))
        assert holding("路灯") == {1, 4}
        assert holding("楼道") == {4}
        if postgres:
            pieces = "SELECT suggestion_id, xmin::text, content FROM suggestion_search_texts ORDER BY suggestion_id"
            with db.engine.begin() as conn:
                before = conn.execute(text(pieces)).all()
                conn.execute(text("UPDATE suggestions SET status = 'closed', overdue = true, version = version + 1"))
                assert conn.execute(text(pieces)).all() == before and len(before) == 4
        db.session.remove()

        downgrade(revision="0022")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT id, content FROM suggestions WHERE id < 4 ORDER BY id")
                                ).all() == list(contents.items())
            if postgres:
                assert conn.execute(text(
                    "SELECT to_regclass('suggestion_search_texts') IS NULL, "
                    "(SELECT count(*) FROM pg_proc WHERE proname IN "
                    "('suggestion_content_grams', 'suggestion_search_text_write')), "
                    "(SELECT count(*) FROM pg_trigger WHERE tgname = 'suggestions_search_text')")).one() == (True, 0, 0)
        db.engine.dispose()


@pytest.fixture
def postgres_scratch_url(scratch_url):
    if scratch_url.startswith("sqlite"):
        pytest.skip("!!! PostgreSQL NOT TESTED here (set TEST_DATABASE_URL): migration 0023 online, the offline script !!!")
    return scratch_url


def _item_10000_found_through_a_valid_analysed_index():
    """After 0023, however it ran: item 10,000 is found by its number, the grams index is built and valid,
    and ANALYZE has gathered its statistics."""
    from sqlalchemy import select

    from backend.extensions import db
    from backend.suggestions.models import Suggestion
    from backend.suggestions.queries import keyword_clause

    assert set(db.session.scalars(select(Suggestion.id).where(keyword_clause("第10000号")))) == {10_000}
    db.session.remove()
    assert _grams_index() == (True, True)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_stats "
                                 "WHERE tablename = 'ix_suggestion_search_texts_grams'")).scalar() == 1
    db.engine.dispose()


def test_0023_copies_every_item_batch_by_batch_and_its_index_serves_the_search(postgres_scratch_url):
    """0023 copies the items in batches of ids: items far apart (ids on both sides of many a batch's edge)
    each get their copy, the index is valid, the keyword search goes through it, and its statistics are
    gathered. Only then is the database at 0023."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from backend import create_app
    from backend.extensions import db
    from backend.suggestions.models import Suggestion
    from backend.suggestions.queries import keyword_clause

    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_scratch_url, "SECRET_KEY": "t"})
    ids = [1, 2, 9_999, 10_000, 10_001, 19_999, 20_000, 123_456, 1_000_000]
    with app.app_context():
        _migrated(postgres_scratch_url, "0022")
        _insert_items(postgres_scratch_url, [{"id": i, "number": None, "content": f"第{i}号路灯坏了。"} for i in ids])
        upgrade(revision="0023")
        assert _revision() == "0023"
        assert set(db.session.scalars(select(Suggestion.id).where(keyword_clause("路灯")))) == set(ids)
        _item_10000_found_through_a_valid_analysed_index()


def test_0023_waits_for_a_long_transaction_a_second_at_a_time_and_filings_go_on(postgres_scratch_url):
    """Creating the trigger waits for the transactions writing to the items, and every filing waits behind
    it: with a long one open (the sweep flagging items, say), 0023 gives up after a second, lets the
    filings through, and tries again; once the long transaction ends it goes through."""
    from sqlalchemy import select

    from backend import create_app
    from backend.extensions import db
    from backend.suggestions.models import Suggestion
    from backend.suggestions.queries import keyword_clause

    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_scratch_url, "SECRET_KEY": "t"})

    def beside(server, ready):
        with server.connect() as sweep, server.connect() as citizen:
            sweep.execute(text("UPDATE suggestions SET overdue = true WHERE id = 1"))
            ready.set()
            _waiting_for(server, sweep, "CREATE TABLE IF NOT EXISTS suggestion_search_texts")
            _file(citizen, 2, "楼道路灯不亮。", lock_timeout="5s")  # queued behind the upgrade, a second at most
            citizen.commit()
            sweep.commit()

    with app.app_context():
        _migrated(postgres_scratch_url, "0022")
        _insert_items(postgres_scratch_url, [{"id": 1, "number": None, "content": "小区门口路灯坏了。"}])
        assert _upgrade_beside(postgres_scratch_url, beside) is None
        assert _revision() == "0023"
        assert set(db.session.scalars(select(Suggestion.id).where(keyword_clause("路灯")))) == {1, 2}
        db.session.remove()
        db.engine.dispose()


def test_an_upgrade_to_0023_killed_during_the_copy_is_finished_by_the_next(postgres_scratch_url):
    """0023 takes no lock that holds off filings while it copies: a citizen files while the copy waits
    (here for an item a workflow step holds), and the filing goes through at once. The upgrade is then
    killed: the database stays at 0022, the new item already has its copy (the trigger came first), and
    the next ``db upgrade`` copies the rest and builds the index."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from backend import create_app
    from backend.extensions import db
    from backend.suggestions.models import Suggestion
    from backend.suggestions.queries import keyword_clause

    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_scratch_url, "SECRET_KEY": "t"})
    contents = {1: "小区门口路灯坏了。", 15_000: "夜间施工噪音扰民。", 25_000: "路口的灯不亮。", 35_000: "垃圾桶满了没人清。"}

    def beside(server, ready):
        with server.connect() as step, server.connect() as citizen:
            step.execute(text("SELECT id FROM suggestions WHERE id = 35000 FOR UPDATE"))  # a workflow step
            ready.set()
            upgrading = _waiting_for(server, step, "INSERT INTO suggestion_search_texts")
            _file(citizen, 40_000, "楼道路灯不亮。", lock_timeout="5s")
            citizen.commit()
            # The batches before the one holding item 35000 are in, each committed; the new item by the trigger.
            assert _copies(citizen) == [1, 15_000, 25_000, 40_000]
            citizen.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": upgrading})

    with app.app_context():
        _migrated(postgres_scratch_url, "0022")
        _insert_items(postgres_scratch_url, [{"id": i, "number": None, "content": c} for i, c in contents.items()])
        assert _upgrade_beside(postgres_scratch_url, beside) is not None  # its connection ended under it
        db.engine.dispose()
        assert _revision() == "0022"

        upgrade(revision="0023")
        assert _revision() == "0023"
        assert _grams_index() == (True, True)

        def holding(keyword):
            return set(db.session.scalars(select(Suggestion.id).where(keyword_clause(keyword))))

        assert holding("路灯") == {1, 40_000}
        assert holding("噪音") == {15_000}
        assert holding("灯不亮") == {25_000, 40_000}
        assert holding("垃圾桶") == {35_000}
        db.session.remove()
        db.engine.dispose()


def test_an_upgrade_to_0023_stopped_while_it_builds_the_index_is_finished_by_the_next(postgres_scratch_url):
    """An index built CONCURRENTLY that fails half way (the upgrade killed while it waits for a filing still
    open) stays behind, INVALID: the next ``db upgrade`` drops and rebuilds it, and the search finds the items
    filed meanwhile."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from backend import create_app
    from backend.extensions import db
    from backend.suggestions.models import Suggestion
    from backend.suggestions.queries import keyword_clause

    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_scratch_url, "SECRET_KEY": "t"})

    def beside(server, ready):
        with server.connect() as step, server.connect() as citizen:
            step.execute(text("SELECT id FROM suggestions WHERE id = 2 FOR UPDATE"))  # holds the copy back
            ready.set()
            _waiting_for(server, step, "INSERT INTO suggestion_search_texts")
            _file(citizen, 3, "楼道路灯不亮。", lock_timeout="5s")  # a filing left open while the copy goes on
            step.rollback()
            upgrading = _waiting_for(server, citizen, "CREATE INDEX CONCURRENTLY")
            step.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": upgrading})
            citizen.commit()

    with app.app_context():
        _migrated(postgres_scratch_url, "0022")
        _insert_items(postgres_scratch_url, [{"id": 1, "number": None, "content": "小区门口路灯坏了。"},
                                             {"id": 2, "number": None, "content": "夜间施工噪音扰民。"}])
        assert _upgrade_beside(postgres_scratch_url, beside) is not None  # its connection ended under it
        db.engine.dispose()
        assert _revision() == "0022"
        assert _grams_index() == (False, False)  # there, but invalid: no search uses it

        upgrade(revision="0023")
        assert _revision() == "0023"
        assert _grams_index() == (True, True)
        assert set(db.session.scalars(select(Suggestion.id).where(keyword_clause("路灯")))) == {1, 3}
        db.session.remove()
        db.engine.dispose()


def _upgrade_beside(url, beside):
    """Upgrades to the newest revision while ``beside(server, ready)`` works in a thread of its own on
    connections of its own (``server``: an engine without a pool); the upgrade starts once it sets ``ready``.
    Returns the upgrade's error (None if it finished); raises the thread's."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Event

    from flask_migrate import upgrade
    from sqlalchemy.pool import NullPool

    server = create_engine(url, poolclass=NullPool)
    ready = Event()
    error = None
    with ThreadPoolExecutor(1) as pool:
        done = pool.submit(beside, server, ready)
        try:
            if ready.wait(60):
                upgrade(revision="0023")
        except Exception as exc:
            error = exc
        done.result(timeout=120)
    server.dispose()
    return error


def _waiting_for(server, holder, statement):
    """The process id of the upgrade once its ``statement`` waits for the transaction of ``holder`` (a
    connection): polled, up to a minute."""
    import time

    blocker = holder.execute(text("SELECT pg_backend_pid()")).scalar()
    deadline = time.monotonic() + 60
    with server.connect() as watch:
        while time.monotonic() < deadline:
            pid = watch.execute(text("SELECT pid FROM pg_stat_activity WHERE :blocker = ANY (pg_blocking_pids(pid)) "
                                     "AND strpos(query, :statement) > 0"), {"blocker": blocker, "statement": statement}
                                ).scalar()
            watch.rollback()
            if pid:
                return pid
            time.sleep(0.05)
    raise AssertionError(f"the upgrade never waited at {statement}")


def _file(conn, item_id, content, lock_timeout=None):
    """An item filed as item 1 was, with its own id and content: the insert a filing makes (no commit)."""
    if lock_timeout:
        conn.execute(text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
    conn.execute(text("INSERT INTO suggestions (id, citizen_id, filed_via, region_id, category, content, "
                      "address, anonymous, public_consent, status, round, supervised, overdue, due_soon, "
                      "screening, held_for_review, created_dt, updated_dt, version) "
                      "SELECT :id, citizen_id, filed_via, region_id, category, :content, address, anonymous, "
                      "public_consent, status, round, supervised, overdue, due_soon, screening, "
                      "held_for_review, created_dt, updated_dt, version FROM suggestions WHERE id = 1"),
                 {"id": item_id, "content": content})


def _copies(conn):
    return list(conn.execute(text("SELECT suggestion_id FROM suggestion_search_texts ORDER BY 1")).scalars())


def _revision():
    from backend.extensions import db

    with db.engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _grams_index():
    """Whether the keyword index is valid, and whether a word's candidates are looked up through it (a
    sequential scan ruled out: on a few rows it would be cheaper)."""
    from sqlalchemy import select

    from backend.extensions import db
    from backend.suggestions.models import CONTENT_GRAMS, SEARCH_TEXTS

    with db.engine.connect() as conn:
        valid = conn.execute(text("SELECT indisvalid FROM pg_index "
                                  "WHERE indexrelid = to_regclass('ix_suggestion_search_texts_grams')")).scalar()
        conn.execute(text("SET enable_seqscan = off"))
        candidates = select(SEARCH_TEXTS.c.suggestion_id).where(CONTENT_GRAMS.contains(["路灯"])).compile(conn)
        plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN {candidates}", candidates.params).scalars())
    return valid, "ix_suggestion_search_texts_grams" in plan


# --- offline: the SQL script `flask --app backend db upgrade --sql` writes -------------------------------------


def _offline_sql(url, revisions="head"):
    """The script ``flask --app backend db upgrade --sql [revisions]`` writes for the database at ``url``
    (which it never connects to)."""
    from backend import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})
    result = app.test_cli_runner().invoke(args=["db", "upgrade", "--sql", revisions])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def _head(app):
    """The newest revision of the migrations."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config()).get_current_head()


def _apply(url, script):
    """``script`` run as psql -f would run it: statement after statement on a connection of its own, in
    the transactions the script opens and commits."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(script)
    engine.dispose()


def _catalogue(url):
    """A PostgreSQL database's schema as its catalogue tells it (tables' columns, constraints, indexes with
    their validity, functions, triggers, sequences, views) and every table's rows (the migrations' own:
    the version, the calendar's days, the rulebook…)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        def rows(sql):
            return conn.execute(text(sql)).all()

        public = "'public'::regnamespace"
        catalogue = {
            "columns": rows("SELECT table_name, column_name, ordinal_position, data_type, character_maximum_length, "
                            "numeric_precision, is_nullable, column_default, collation_name FROM information_schema.columns "
                            "WHERE table_schema = 'public' ORDER BY 1, 3"),
            "constraints": rows(f"SELECT conrelid::regclass::text, conname, contype, convalidated, "
                                f"pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = {public} ORDER BY 1, 2"),
            "indexes": rows("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), i.indisvalid, "
                            "i.indisready FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                            f"WHERE c.relnamespace = {public} ORDER BY 1"),
            "functions": rows(f"SELECT proname, pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = {public} "
                              "ORDER BY 1"),
            "triggers": rows("SELECT tgname, pg_get_triggerdef(oid), tgenabled FROM pg_trigger WHERE NOT tgisinternal "
                             "ORDER BY 1"),
            "sequences": rows("SELECT sequencename, data_type, start_value, increment_by, last_value FROM pg_sequences "
                              "WHERE schemaname = 'public' ORDER BY 1"),
            "views": rows("SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1"),
        }
        # Each table's rows, a time in them as whether there is one (a rule's updated_dt is the upgrade's).
        values = {}
        for table, column, _, kind, *_ in catalogue["columns"]:
            values.setdefault(table, []).append(
                f'"{column}" IS NOT NULL' if kind.startswith("timestamp") else f'"{column}"')
        catalogue["rows"] = {table: sorted(map(repr, conn.execute(text(f'SELECT {", ".join(columns)} FROM "{table}"'))))
                             for table, columns in values.items()}
    engine.dispose()
    return catalogue


def test_the_offline_script_builds_the_same_database_as_the_online_upgrade(postgres_scratch_url, second_scratch_url):
    """``db upgrade --sql`` writes the whole chain as a plain script (0023's batches and concurrent index
    as one INSERT ... SELECT and a CREATE INDEX in the script's transaction): applied to an empty
    database it leaves the schema, down to each function and trigger, and the migrations' rows that
    ``db upgrade`` leaves in another."""
    from flask_migrate import upgrade

    from backend import create_app
    from backend.extensions import db

    script = _offline_sql(postgres_scratch_url)
    assert "CONCURRENTLY" not in script and "CREATE TRIGGER suggestions_search_text" in script
    _apply(postgres_scratch_url, script)

    app = create_app({"SQLALCHEMY_DATABASE_URI": second_scratch_url, "SECRET_KEY": "t"})
    with app.app_context():
        upgrade()
        db.engine.dispose()

    offline, online = _catalogue(postgres_scratch_url), _catalogue(second_scratch_url)
    # Neither is empty: 0023's objects are there, its index valid, and the version is the newest.
    assert ("ix_suggestion_search_texts_grams", True) in {(name, valid) for name, _, valid, _ in offline["indexes"]}
    assert {"suggestion_content_grams", "suggestion_search_text_write"} <= {name for name, _ in offline["functions"]}
    assert [name for name, _, _ in offline["triggers"]] == ["suggestions_search_text"]
    assert offline["rows"]["alembic_version"] == online["rows"]["alembic_version"] != []
    for part in online:
        assert offline[part] == online[part], part


def test_the_offline_script_from_0022_copies_the_items_there_and_its_index_serves_the_search(postgres_scratch_url):
    """A DBA upgrading a database in use with the script: the items already there are copied by its one
    INSERT ... SELECT, the index is valid and serves the search, and an item filed afterwards is copied by
    the trigger."""
    from sqlalchemy import select

    from backend import create_app
    from backend.extensions import db
    from backend.suggestions.models import Suggestion
    from backend.suggestions.queries import keyword_clause

    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_scratch_url, "SECRET_KEY": "t"})
    ids = [1, 2, 10_000, 10_001, 1_000_000]
    with app.app_context():
        _migrated(postgres_scratch_url, "0022")
        _insert_items(postgres_scratch_url, [{"id": i, "number": None, "content": f"第{i}号路灯坏了。"} for i in ids])
        script = _offline_sql(postgres_scratch_url, "0022:head")
        assert "0022 -> 0023" in script and "CONCURRENTLY" not in script
        _apply(postgres_scratch_url, script)
        assert _revision() == _head(app)
        with db.engine.begin() as conn:
            assert _copies(conn) == ids
            _file(conn, 5, "楼道路灯不亮。")
        assert set(db.session.scalars(select(Suggestion.id).where(keyword_clause("路灯")))) == {*ids, 5}
        _item_10000_found_through_a_valid_analysed_index()


def test_the_offline_script_of_0017_makes_the_work_orders_the_online_upgrade_makes(postgres_scratch_url,
                                                                                   second_scratch_url):
    """0017's reading of the timelines, in the script one INSERT ... SELECT: each ``forward`` line answered
    at the ``feedback`` after it, one still forwarded left open, one replaced by a later ``forward`` before
    any feedback dropped, a feedback with none open ignored; in (item, line) order: the work orders the
    online upgrade (which reads the lines batch by batch) makes of the same timelines."""
    from flask_migrate import upgrade

    from backend import create_app
    from backend.extensions import db

    line = ("INSERT INTO suggestion_events (id, suggestion_id, action, actor_role, actor_name, note, data, created_dt) "
            "VALUES (:id, :item, :action, 'deputy', '张伟', '', :data, :at)")
    lines = [
        {"id": 1, "item": 1, "action": "accept", "data": None, "at": "2026-01-02 00:00+00"},
        {"id": 2, "item": 1, "action": "forward", "data": '{"target": "department", "department": "县城管局"}',
         "at": "2026-01-03 00:00+00"},
        {"id": 3, "item": 2, "action": "forward", "data": '{"target": "department", "department": "县住建局"}',
         "at": "2026-01-03 08:00+00"},
        {"id": 4, "item": 1, "action": "feedback", "data": '{"department": "县城管局"}', "at": "2026-01-04 00:00+00"},
        {"id": 5, "item": 1, "action": "forward",
         "data": '{"target": "hotline_12345", "department": "12345 热线人大代表通道"}', "at": "2026-01-05 00:00+00"},
        {"id": 6, "item": 1, "action": "feedback", "data": '{"department": "12345 热线人大代表通道"}',
         "at": "2026-01-06 00:00+00"},
        {"id": 7, "item": 3, "action": "forward", "data": '{"department": "县水利局"}', "at": "2026-01-07 00:00+00"},
        {"id": 8, "item": 3, "action": "forward", "data": '{"target": "", "department": "县交通局"}',
         "at": "2026-01-08 00:00+00"},
        {"id": 9, "item": 3, "action": "feedback", "data": None, "at": "2026-01-09 00:00+00"},
        {"id": 10, "item": 3, "action": "feedback", "data": None, "at": "2026-01-10 00:00+00"},
    ]

    def work_orders(url, offline):
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})
        with app.app_context():
            _migrated(url, "0016")
            _insert_items(url, [{"id": i, "number": None, "content": "路灯坏了"} for i in (1, 2, 3)])
            with db.engine.begin() as conn:
                conn.execute(text(line), lines)
            if offline:
                script = _offline_sql(url, "0016:0017")
                assert "0016 -> 0017" in script and "0017 -> 0018" not in script
                _apply(url, script)
            else:
                upgrade(revision="0017")
            assert _revision() == "0017"
            with db.engine.connect() as conn:
                orders = conn.execute(text(
                    "SELECT id, suggestion_id, target, department, work_order_no, to_char(forwarded_dt AT TIME ZONE "
                    "'UTC', 'MM-DD HH24:MI'), to_char(feedback_dt AT TIME ZONE 'UTC', 'MM-DD HH24:MI'), satisfaction "
                    "FROM suggestion_work_orders ORDER BY id")).all()
            db.engine.dispose()
        return orders

    expected = [
        (1, 1, "department", "县城管局", None, "01-03 00:00", "01-04 00:00", None),
        (2, 1, "hotline_12345", "12345 热线人大代表通道", None, "01-05 00:00", "01-06 00:00", None),
        (3, 2, "department", "县住建局", None, "01-03 08:00", None, None),
        (4, 3, "department", "县交通局", None, "01-08 00:00", "01-09 00:00", None),
    ]
    assert work_orders(postgres_scratch_url, offline=True) == expected
    assert work_orders(second_scratch_url, offline=False) == expected


def test_messages_queued_before_0035_count_as_read_and_later_ones_are_unread(scratch_url):
    """0035 on a database with messages: those there already are read in the 消息中心 (no badge of every
    notice of past years), one queued afterwards is unread; the list's indexes replace the user_id one.
    Downgraded, the messages stay."""
    from flask_migrate import downgrade, upgrade

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    message = ("INSERT INTO outbox_messages (id, dedupe_key, user_id, template, data, page, status, attempts, "
               "next_attempt_dt, last_error, created_dt) VALUES (:id, :key, 7, 'accepted', '{}', '', 'sent', 1, "
               "'2026-01-01 00:00:00+00', '', '2026-01-01 00:00:00+00')")
    with app.app_context():
        _migrated(scratch_url, "0034")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, openid, display_name, token_version, created_dt) "
                              "VALUES (7, 'fake-openid-x', '', 0, '2026-01-01 00:00:00+00')"))
            conn.execute(text(message), {"id": 1, "key": "accepted:1"})
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(text(message), {"id": 2, "key": "accepted:2"})
            assert conn.execute(text("SELECT id, read_dt IS NOT NULL FROM outbox_messages ORDER BY id")).all() == [
                (1, True), (2, False)]
        names = _index_names("outbox_messages")
        assert {"ix_outbox_messages_user_newest", "ix_outbox_messages_unread"} <= names
        assert "ix_outbox_messages_user_id" not in names
        downgrade(revision="0034")
        assert "ix_outbox_messages_user_id" in _index_names("outbox_messages")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT id FROM outbox_messages ORDER BY id")).scalars().all() == [1, 2]
        db.engine.dispose()


def test_0038_builds_the_dedupe_prefix_index_on_postgresql_and_rebuilds_one_left_invalid(scratch_url):
    """0038: on PostgreSQL the outbox's keys get an index with the pattern operators (LIKE 'prefix%' in
    byte order whatever the collation), built CONCURRENTLY; one a killed build left INVALID is dropped and
    built again. SQLite gets none (a range over the unique key's index serves it). Downgraded, it goes."""
    from flask_migrate import downgrade, upgrade

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    name = "ix_outbox_messages_dedupe_prefix"
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        _migrated(scratch_url, "0037")
        if postgres:  # what a build killed half way leaves behind
            with db.engine.begin() as conn:
                conn.execute(text(f"CREATE INDEX {name} ON outbox_messages (dedupe_key varchar_pattern_ops)"))
                conn.execute(text(f"UPDATE pg_index SET indisvalid = false WHERE indexrelid = '{name}'::regclass"))
        upgrade(revision="0038")
        assert (name in _index_names("outbox_messages")) == postgres
        if postgres:
            with db.engine.connect() as conn:
                valid, definition = conn.execute(text(
                    f"SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index WHERE indexrelid = '{name}'::regclass")).one()
            assert valid and "varchar_pattern_ops" in definition
        downgrade(revision="0037")
        assert name not in _index_names("outbox_messages")
        db.engine.dispose()


def _indexes_built_online(scratch_url, before, revision, tables):
    """Upgrades a scratch database from ``before`` to ``revision``, which builds the indexes ``tables`` names
    ({index: table}); on PostgreSQL, the first is in the way as a CONCURRENTLY build killed half way leaves
    it (INVALID, on another column), to be dropped and built again. Answers each index's definition as the
    database holds it (valid, on PostgreSQL), after downgrading to ``before`` and finding them gone."""
    from flask_migrate import downgrade, upgrade

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    definitions = {}
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        _migrated(scratch_url, before)
        broken, table = next(iter(tables.items()))
        if postgres:
            with db.engine.begin() as conn:
                conn.execute(text(f"CREATE INDEX {broken} ON {table} (id)"))
                conn.execute(text(f"UPDATE pg_index SET indisvalid = false WHERE indexrelid = '{broken}'::regclass"))
        upgrade(revision=revision)
        with db.engine.connect() as conn:
            for name, table in tables.items():
                assert name in _index_names(table)
                if postgres:
                    valid, definitions[name] = conn.execute(text(
                        f"SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index WHERE indexrelid = '{name}'::regclass")).one()
                    assert valid, name
                else:
                    definitions[name] = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": name})
        downgrade(revision=before)
        for name, table in tables.items():
            assert name not in _index_names(table)
        db.engine.dispose()
    return definitions


def test_0045_builds_the_merged_and_citizen_actor_indexes_and_rebuilds_one_left_invalid(scratch_url):
    """0045: the merged items' and the citizens' timeline lines' partial indexes, on both databases (built
    CONCURRENTLY on PostgreSQL, where one a killed build left INVALID is dropped and built again), each
    over its few rows alone. Downgraded, they go."""
    definitions = _indexes_built_online(scratch_url, "0044", "0045", {
        "ix_suggestions_merged_into": "suggestions", "ix_suggestion_events_citizen_actor": "suggestion_events"})
    merged, citizen = definitions["ix_suggestions_merged_into"], definitions["ix_suggestion_events_citizen_actor"]
    assert "(merged_into_id, id)" in merged and "merged_into_id IS NOT NULL" in merged.split("WHERE")[1]
    assert "(actor_user_id)" in citizen and "'citizen'" in citizen.split("WHERE")[1]


def test_0048_builds_the_user_target_index_of_the_audit_log_and_rebuilds_one_left_invalid(scratch_url):
    """0048: the events done to accounts' partial index, on both databases (built CONCURRENTLY on
    PostgreSQL, where one a killed build left INVALID is dropped and built again), over those events
    alone. Downgraded, it goes."""
    name = "ix_audit_events_user_target_at"
    definition = _indexes_built_online(scratch_url, "0047", "0048", {name: "audit_events"})[name]
    assert "(target_id, at)" in definition and "'user'" in definition.split("WHERE")[1]


def test_0049_adds_the_ballot_tickets_keeping_polls_open_and_rebuilds_an_index_left_invalid(scratch_url):
    """0049: a poll made before it is a 扫码测评 (ballot_mode 'open'); the ballots' one-per-ticket unique
    index is built (CONCURRENTLY on PostgreSQL, where one a killed build left INVALID is dropped and built
    again) and refuses a second ballot of one ticket. Downgraded, all of it goes."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy.exc import IntegrityError

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    name = "uq_report_poll_ballots_ticket"
    NOW = "'2026-01-01 00:00:00+00'"  # noqa: N806
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        _migrated(scratch_url, "0048")
        with db.engine.begin() as conn:
            conn.execute(text(f"INSERT INTO regions (id, name, path, level, created_dt) VALUES (1, '怀化市', '/1/', 'city', {NOW})"))
            conn.execute(text(f"INSERT INTO users (id, display_name, token_version, created_dt) VALUES (1, '管理员', 0, {NOW}), "
                              f"(2, 'a', 0, {NOW}), (3, 'b', 0, {NOW})"))
            conn.execute(text("INSERT INTO activities (id, title, type, status, region_id, place, starts_dt, ends_dt, description, "
                              f"created_by_id, created_dt, version) VALUES (1, '述职会', 'report', 'published', 1, '', {NOW}, {NOW}, '', "
                              f"1, {NOW}, 1)"))
            conn.execute(text("INSERT INTO report_polls (id, activity_id, token, status, starts_dt, ends_dt, created_by_id, "
                              f"created_dt) VALUES (1, 1, 'tok', 'open', {NOW}, {NOW}, 1, {NOW})"))
            if postgres:  # what a build killed half way leaves behind
                conn.execute(text("ALTER TABLE report_poll_ballots ADD COLUMN ticket_id INTEGER"))
                conn.execute(text(f"CREATE INDEX {name} ON report_poll_ballots (id)"))
                conn.execute(text(f"UPDATE pg_index SET indisvalid = false WHERE indexrelid = '{name}'::regclass"))
                conn.execute(text(f"DROP INDEX {name}"))
                conn.execute(text("ALTER TABLE report_poll_ballots DROP COLUMN ticket_id"))
        upgrade(revision="0049")
        assert name in _index_names("report_poll_ballots")
        with db.engine.begin() as conn:
            assert conn.scalar(text("SELECT ballot_mode FROM report_polls WHERE id = 1")) == "open"
            conn.execute(text(f"INSERT INTO report_poll_tickets (id, poll_id, code_hash, created_dt) VALUES (1, 1, 'h', {NOW})"))
            conn.execute(text("INSERT INTO report_poll_ballots (poll_id, voter_id, ticket_id, comment, created_dt) "
                              f"VALUES (1, 2, 1, '', {NOW})"))
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("INSERT INTO report_poll_ballots (poll_id, voter_id, ticket_id, comment, created_dt) "
                              f"VALUES (1, 3, 1, '', {NOW})"))
        if postgres:
            with db.engine.connect() as conn:
                assert conn.scalar(text(f"SELECT indisvalid FROM pg_index WHERE indexrelid = '{name}'::regclass"))
        downgrade(revision="0048")
        assert name not in _index_names("report_poll_ballots")
        db.engine.dispose()


def test_0050_builds_the_contact_phone_index_and_rebuilds_one_left_invalid(scratch_url):
    """0050: the index of the contact phone without a landline's dash, on both databases (built
    CONCURRENTLY on PostgreSQL, where one a killed build left INVALID is dropped and built again), in the
    model's expression. Downgraded, it goes."""
    name = "ix_suggestions_contact_phone"
    definition = _indexes_built_online(scratch_url, "0049", "0050", {name: "suggestions"})[name]
    assert "replace" in definition and "contact_phone" in definition and "'-'" in definition


def test_0051_stops_on_sibling_regions_of_one_name_and_then_refuses_them(scratch_url):
    """0051: a database whose regions already hold twins (two 迎丰街道 under one county) is not upgraded:
    the upgrade stops naming them, nothing changed; once one is renamed it builds the unique index
    (CONCURRENTLY on PostgreSQL, rebuilding one a killed build left INVALID), which refuses a new twin
    (roots too). Downgraded, it goes."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy.exc import IntegrityError

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    name = "uq_regions_parent_name"
    NOW = "'2026-01-01 00:00:00+00'"  # noqa: N806
    insert = "INSERT INTO regions (id, parent_id, name, path, level, created_dt) VALUES "
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        _migrated(scratch_url, "0050")
        with db.engine.begin() as conn:
            conn.execute(text(insert + f"(1, NULL, '江州市', '/1/', 'city', {NOW}), (2, 1, '鹤城区', '/1/2/', 'county', {NOW}), "
                              f"(3, 2, '迎丰街道', '/1/2/3/', 'township', {NOW}), (4, 2, '迎丰街道', '/1/2/4/', 'township', {NOW})"))
            if postgres:  # what a build killed half way leaves behind
                conn.execute(text(f"CREATE INDEX {name} ON regions (id)"))
                conn.execute(text(f"UPDATE pg_index SET indisvalid = false WHERE indexrelid = '{name}'::regclass"))
        with pytest.raises(SystemExit) as stopped:
            upgrade(revision="0051")
        assert "江州市鹤城区迎丰街道：id=3 与 id=4" in str(stopped.value)
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0050"
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE regions SET name = '迎丰镇' WHERE id = 4"))
        upgrade(revision="0051")
        assert name in _index_names("regions")
        if postgres:
            with db.engine.connect() as conn:
                assert conn.scalar(text(f"SELECT indisvalid FROM pg_index WHERE indexrelid = '{name}'::regclass"))
        for twin in (f"(5, 2, '迎丰街道', '/1/2/5/', 'township', {NOW})", f"(6, NULL, '江州市', '/6/', 'city', {NOW})"):
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(text(insert + twin))
        downgrade(revision="0050")
        assert name not in _index_names("regions")
        db.engine.dispose()


def test_0052_stops_on_stations_of_one_name_in_one_region_and_then_refuses_them(scratch_url):
    """0052: two 中方镇联络站 in one town stop the upgrade, named, nothing changed; once one is renamed the
    unique index is built and refuses a new twin; the same name in another region is fine. Downgraded, it goes."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy.exc import IntegrityError

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    name = "uq_stations_region_name"
    NOW = "'2026-01-01 00:00:00+00'"  # noqa: N806
    station = "INSERT INTO stations (id, name, kind, region_id, address, open_hours, description, created_dt) VALUES "
    with app.app_context():
        _migrated(scratch_url, "0051")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (id, parent_id, name, path, level, created_dt) VALUES "
                              f"(1, NULL, '中方县', '/1/', 'county', {NOW}), (2, 1, '中方镇', '/1/2/', 'township', {NOW})"))
            conn.execute(text(station + f"(1, '中方镇联络站', 'center', 2, '', '', '', {NOW}), "
                              f"(2, '中方镇联络站', 'point', 2, '', '', '', {NOW}), (3, '中方镇联络站', 'point', 1, '', '', '', {NOW})"))
        with pytest.raises(SystemExit) as stopped:
            upgrade(revision="0052")
        assert "中方镇“中方镇联络站”：id=1 与 id=2" in str(stopped.value)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE stations SET name = '中方镇联络点' WHERE id = 2"))
        upgrade(revision="0052")
        assert name in _index_names("stations")
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text(station + f"(4, '中方镇联络站', 'point', 2, '', '', '', {NOW})"))
        downgrade(revision="0051")
        assert name not in _index_names("stations")
        db.engine.dispose()


def test_0056_builds_the_deputies_level_and_group_indexes_and_rebuilds_one_left_invalid(scratch_url):
    """0056: the deputies' (level, id) and (group_name, id) indexes the leaderboard of a level or a 代表小组
    reads its few deputies through, on both databases (built CONCURRENTLY on PostgreSQL, where one a killed
    build left INVALID is dropped and built again). Downgraded, they go."""
    definitions = _indexes_built_online(scratch_url, "0055", "0056", {
        "ix_deputies_level": "deputies", "ix_deputies_group": "deputies"})
    assert "(level, id)" in definitions["ix_deputies_level"]
    assert "(group_name, id)" in definitions["ix_deputies_group"]
def test_0055_keeps_the_log_lines_of_a_region_deleted_under_it_and_downgraded_moves_them_up(scratch_url):
    """0055: the log's lines keep their region when it is deleted (no foreign key any more), every row and
    index of the log kept, the partial one of 0048 with its WHERE; foreign keys still enforced on SQLite.
    Downgraded, a deleted region's lines go to the nearest region above that is left, and the key is back."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect
    from sqlalchemy.exc import IntegrityError

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    NOW = "'2026-01-01 00:00:00+00'"  # noqa: N806
    event = ("INSERT INTO audit_events (id, at, actor_name, actor_username, action, target_type, target_id, "
             "target_label, region_id, client_address, detail) VALUES ")
    with app.app_context():
        _migrated(scratch_url, "0054")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (id, parent_id, name, path, level, created_dt) VALUES "
                              f"(1, NULL, '中方县', '/1/', 'county', {NOW}), (2, 1, '中方镇', '/1/2/', 'township', {NOW}),"
                              f" (3, 2, '测试村', '/1/2/3/', 'village', {NOW})"))
            conn.execute(text(event + f"(1, {NOW}, '', '', 'region_created', 'region', 3, '测试村', 3, '', '{{}}'), "
                                      f"(2, {NOW}, '', '', 'password_reset', 'user', 9, '张三', 2, '', '{{}}')"))
        before = _index_names("audit_events")
        upgrade(revision="0055")
        assert _index_names("audit_events") == before
        assert "regions" not in [fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("audit_events")]
        with db.engine.begin() as conn:
            conn.execute(text(f"INSERT INTO deleted_regions (id, parent_id, name, level, path, deleted_dt) "
                              f"VALUES (3, 2, '测试村', 'village', '/1/2/3/', {NOW})"))
            conn.execute(text("DELETE FROM regions WHERE id = 3"))
            conn.execute(text("DELETE FROM regions WHERE id = 2"))  # its town deleted too, later
            conn.execute(text(f"INSERT INTO deleted_regions (id, parent_id, name, level, path, deleted_dt) "
                              f"VALUES (2, 1, '中方镇', 'township', '/1/2/', {NOW})"))
            assert conn.execute(text("SELECT id, region_id FROM audit_events ORDER BY id")).all() == [(1, 3), (2, 2)]
            if conn.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                plan = " ".join(str(r) for r in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT id FROM audit_events WHERE target_type = 'user' AND target_id = 9"))
                assert "ix_audit_events_user_target_at" in plan
        with pytest.raises(IntegrityError), db.engine.begin() as conn:  # other keys are still enforced
            conn.execute(text("INSERT INTO stations (id, name, kind, region_id, address, open_hours, description, "
                              f"created_dt) VALUES (1, '站', 'center', 99, '', '', '', {NOW})"))
        downgrade(revision="0054")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT id, region_id FROM audit_events ORDER BY id")).all() == [(1, 1), (2, 1)]
        assert [fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("audit_events")
                if fk["constrained_columns"] == ["region_id"]] == ["regions"]
        assert "deleted_regions" not in inspect(db.engine).get_table_names()
        assert _index_names("audit_events") == before
        db.engine.dispose()


def test_0059_adds_the_approved_public_text_keeping_items_published_automatically(scratch_url):
    """0059: an item filed before has no approved public text and is not withheld (null: the automatic
    redaction, published as before); the new columns take text. Downgraded, they go and the item stays."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    columns = {"public_content", "public_reply", "public_withheld_reason"}
    with app.app_context():
        _migrated(scratch_url, "0058")
        _insert_items(scratch_url, [{"id": 1, "number": "S1", "content": "路灯坏了"}])
        upgrade(revision="0059")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT content, public_content, public_reply, public_withheld_reason "
                                     "FROM suggestions")).all() == [("路灯坏了", None, None, None)]
            conn.execute(text("UPDATE suggestions SET public_content = '路灯坏了（已核）', "
                              "public_withheld_reason = '含个人信息'"))
            assert conn.execute(text("SELECT public_content, public_withheld_reason FROM suggestions")).one() == (
                "路灯坏了（已核）", "含个人信息")
        downgrade(revision="0058")
        assert not columns & {c["name"] for c in inspect(db.engine).get_columns("suggestions")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT id, content FROM suggestions")).all() == [(1, "路灯坏了")]
        db.engine.dispose()


def test_0060_replaces_the_public_lists_index_and_builds_the_qr_targets_index(scratch_url):
    """0060: the public list's index with 不予公开 in its conditions, built before 0015's is dropped, and
    every code of a target's index, on both databases (built CONCURRENTLY on PostgreSQL, where one a
    killed build left INVALID is dropped and built again). Downgraded, they go and 0015's is back."""
    from flask_migrate import upgrade

    from backend import create_app
    from backend.extensions import db

    definitions = _indexes_built_online(scratch_url, "0059", "0060", {
        "ix_suggestions_public": "suggestions", "ix_qr_codes_target": "qr_codes"})
    public = definitions["ix_suggestions_public"]
    assert "(closed_dt, id)" in public and "public_withheld_reason IS NULL" in public.split("WHERE")[1]
    assert "'closed'" in public and "'reviewed'" in public and "merged_into_id IS NULL" in public
    assert "(target_kind, target_id)" in definitions["ix_qr_codes_target"]
    assert "WHERE" not in definitions["ix_qr_codes_target"]
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    with app.app_context():  # downgraded to 0059 by the helper
        assert "ix_suggestions_published" in _index_names("suggestions")
        upgrade(revision="0060")
        assert "ix_suggestions_published" not in _index_names("suggestions")
        db.engine.dispose()


def test_0061_names_the_deputy_of_items_filed_with_their_phone_and_the_same_filers_other_items(scratch_url):
    """0061: an item filed before with a deputy's registered phone (a landline's dash or none) names that
    deputy as its filer, and so do its filer's other items; a citizen's items name nobody. The column takes
    only a deputy. Downgraded, it goes and the items stay."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect
    from sqlalchemy.exc import IntegrityError

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    at = "2026-11-22 08:00:00" + ("" if scratch_url.startswith("sqlite") else "+00")
    with app.app_context():
        _migrated(scratch_url, "0060")
        _insert_items(scratch_url, [{"id": i, "number": f"S{i}", "content": "路灯坏了"} for i in (1, 2, 3, 4)])
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO deputies (id, name, level, region_id, group_name, active, phone, bio, "
                              "created_dt, updated_dt) VALUES (5, '张伟', 'county', 1, '', :yes, '13800000003', '', "
                              ":at, :at)"), {"yes": True, "at": at})
            conn.execute(text("INSERT INTO users (id, username, display_name, token_version, created_dt) "
                              "VALUES (8, NULL, '', 0, :at)"), {"at": at})
            # 7 filed 1 and 2, the second with 张伟's phone; 8 filed 3 with a citizen's, 4 with a landline.
            conn.execute(text("UPDATE suggestions SET contact_phone = '13800000003' WHERE id = 2"))
            conn.execute(text("UPDATE suggestions SET citizen_id = 8, contact_phone = '13912345678' WHERE id = 3"))
            conn.execute(text("UPDATE suggestions SET citizen_id = 8, contact_phone = '0745-2223333' WHERE id = 4"))
        upgrade(revision="0061")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT id, filer_deputy_id FROM suggestions ORDER BY id")).all() == [
                (1, 5), (2, 5), (3, None), (4, None)]
        if not scratch_url.startswith("sqlite"):  # SQLite checks references only when told to
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(text("UPDATE suggestions SET filer_deputy_id = 99 WHERE id = 3"))
        downgrade(revision="0060")
        assert "filer_deputy_id" not in {c["name"] for c in inspect(db.engine).get_columns("suggestions")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM suggestions")).scalar() == 4
        db.engine.dispose()


def test_0062_work_orders_left_open_by_a_departed_deputys_return_are_withdrawn(scratch_url):
    """0062 withdraws the open work orders of items that left the department without feedback (returned as
    their deputy left office, or refused): the statistics stop counting them as awaiting feedback. An item
    still at the department keeps its open one; an answered one stays answered."""
    from datetime import datetime, timezone

    from flask_migrate import upgrade
    from sqlalchemy import text

    from backend import create_app
    from backend.extensions import db

    def at(day):
        return datetime(2026, 1, day, tzinfo=timezone.utc)

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    item = ("INSERT INTO suggestions (id, number, citizen_id, filed_via, region_id, category, content, address, "
            "anonymous, public_consent, status, round, supervised, overdue, due_soon, screening, held_for_review, "
            "created_dt, updated_dt, version) VALUES (:id, :number, 7, 'deputy', 1, '城市管理', '路灯坏了', '', :no, :no, "
            ":status, 1, :no, :no, :no, 'pass', :no, :at, :at, 1)")
    line = ("INSERT INTO suggestion_events (id, suggestion_id, action, actor_role, actor_name, note, created_dt) "
            "VALUES (:id, :item, :action, 'system', '系统', '', :at)")
    order = ("INSERT INTO suggestion_work_orders (id, suggestion_id, target, department, forwarded_dt, feedback_dt) "
             "VALUES (:id, :item, 'department', '县住建局', :at, :feedback)")
    with app.app_context():
        _migrated(scratch_url, "0060")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (id, name, level, path, created_dt) "
                              "VALUES (1, '县', 'county', '/1/', :at)"), {"at": at(1)})
            conn.execute(text("INSERT INTO users (id, username, display_name, token_version, created_dt) "
                              "VALUES (7, NULL, '', 0, :at)"), {"at": at(1)})
            conn.execute(text(item), [{"id": 1, "number": "MSB-1", "status": "accepted", "no": False, "at": at(1)},
                                      {"id": 2, "number": "MSB-2", "status": "forwarded", "no": False, "at": at(1)}])
            conn.execute(text(line), [
                {"id": 1, "item": 1, "action": "forward", "at": at(3)},
                {"id": 2, "item": 1, "action": "return", "at": at(4)},
                {"id": 3, "item": 1, "action": "forward", "at": at(5)},
                {"id": 4, "item": 1, "action": "feedback", "at": at(6)},
                {"id": 5, "item": 2, "action": "forward", "at": at(3)},
            ])
            conn.execute(text(order), [
                {"id": 1, "item": 1, "at": at(3), "feedback": None},
                {"id": 2, "item": 1, "at": at(5), "feedback": at(6)},
                {"id": 3, "item": 2, "at": at(3), "feedback": None},
            ])
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, withdrawn_dt, withdrawn_reason FROM suggestion_work_orders "
                                     "ORDER BY id")).all()
            withdrawn = conn.execute(text("SELECT created_dt FROM suggestion_events WHERE id = 2")).scalar()  # the return
        assert [tuple(r) for r in rows] == [(1, withdrawn, "代表离任，建议已退回联络站重新分派"), (2, None, None), (3, None, None)]
        db.engine.dispose()


def test_0063_deputies_invited_after_the_check_in_window_closed_are_marked_so_once(scratch_url):
    """0063 records, for the invitations made so far, whether they came after the activity's check-in window
    (its end plus CHECKIN_GRACE_MINUTES, 30) had closed, as 结单 would have decided it until then; rows
    without ``invited_dt`` (before 0057, 揭榜) are not."""
    from datetime import datetime, timezone

    from flask_migrate import upgrade
    from sqlalchemy import text

    from backend import create_app
    from backend.extensions import db

    postgres = not scratch_url.startswith("sqlite")

    def at(hour, minute=0, microsecond=0):  # as the application writes it: naive UTC text on SQLite
        moment = datetime(2026, 1, 1, hour, minute, 0, microsecond, tzinfo=timezone.utc)
        return moment if postgres else moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    with app.app_context():
        _migrated(scratch_url, "0062")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (id, name, level, path, created_dt) "
                              "VALUES (1, '县', 'county', '/1/', :at)"), {"at": at(0)})
            conn.execute(text("INSERT INTO deputies (id, name, level, region_id, group_name, active, bio, created_dt, "
                              "updated_dt) VALUES (:id, :name, 'county', 1, '', :yes, '', :at, :at)"),
                         [{"id": i, "name": f"代表{i}", "yes": True, "at": at(0)} for i in range(1, 6)])
            conn.execute(text("INSERT INTO users (id, username, display_name, admin_region_id, token_version, "
                              "created_dt) VALUES (7, 'liujing', '刘静', 1, 0, :at)"), {"at": at(0)})
            conn.execute(text(
                "INSERT INTO activities (id, title, type, status, region_id, place, starts_dt, ends_dt, description, "
                "created_by_id, created_dt, version, screen_code_only) VALUES (1, '调研', 'research', 'published', 1, "
                "'', :starts, :ends, '', 7, :starts, 1, :no)"), {"starts": at(1), "ends": at(3), "no": False})
            conn.execute(text(
                "INSERT INTO activity_participants (activity_id, deputy_id, status, decline_reason, checkin_note, "
                "claimed, invited_dt) VALUES (1, :deputy, 'invited', '', '', :no, :at)"), [
                {"deputy": 1, "at": at(5, 0, 123456), "no": False},  # entered afterwards (补录)
                {"deputy": 2, "at": at(3, 30, 1000), "no": False},  # just after the window closed
                {"deputy": 3, "at": at(3, 20), "no": False},  # within the grace after its end
                {"deputy": 4, "at": at(0), "no": False},  # ahead, as usual
                {"deputy": 5, "at": None, "no": False},  # before 0057, or a claim
            ])
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT deputy_id, invited_afterwards FROM activity_participants "
                                     "ORDER BY deputy_id")).all()
        assert [(d, bool(v)) for d, v in rows] == [(1, True), (2, True), (3, False), (4, False), (5, False)]
        db.engine.dispose()


def test_0064_keeps_the_lateness_the_timeline_and_the_items_still_tell(scratch_url):
    """0064: an item answered after its limit, reminded overdue by the sweep (not while at a department), or
    flagged overdue now is late from then on; one reminded in its deputy's assignment and then returned or
    dispatched to another stays late with that deputy (who dispatched it to them, or who returned it); nothing
    is made up for an item whose lateness left no trace. Downgraded, the record goes and the items stay."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    postgres = not scratch_url.startswith("sqlite")

    def at(day, hour=9):
        return f"2026-11-{day:02} {hour:02}:00:00" + ("+00" if postgres else "")

    def same(value, day, hour=9):  # as each database hands a stored time back
        return str(value).removesuffix("+00:00").removesuffix(".000000") == at(day, hour).removesuffix("+00")

    with app.app_context():
        _migrated(scratch_url, "0060")
        _insert_items(scratch_url, [{"id": i, "number": f"S{i}", "content": "路灯坏了"} for i in range(1, 8)])
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO deputies (id, name, level, region_id, group_name, active, bio, created_dt, "
                              "updated_dt) VALUES (:id, :name, 'county', 1, '', :yes, '', :at, :at)"),
                         [{"id": i, "name": name, "yes": True, "at": at(1)} for i, name in ((1, "张伟"), (2, "李娜"))])
            conn.execute(text("INSERT INTO users (id, username, display_name, deputy_id, token_version, created_dt) "
                              "VALUES (8, NULL, '', 2, 0, :at)"), {"at": at(1)})
            late, in_time = {"replied": at(10), "due": at(5)}, {"replied": at(4), "due": at(5)}
            for item_id, times in ((1, late), (2, in_time)):
                conn.execute(text("UPDATE suggestions SET status = 'closed', replied_dt = :replied, reply_due_dt = :due "
                                  "WHERE id = :id"), times | {"id": item_id})
            conn.execute(text("UPDATE suggestions SET status = 'accepted', overdue = :yes, reply_due_dt = :due "
                              "WHERE id = 5"), {"yes": True, "due": at(6)})
            data = "CAST(:data AS JSON)" if postgres else ":data"
            conn.execute(text(
                "INSERT INTO suggestion_events (suggestion_id, action, from_status, to_status, actor_role, actor_user_id, "
                f"actor_name, note, data, created_dt) VALUES (:item, :action, :from_status, '', :role, :user, '', '', "
                f"{data}, :at)"), [
                    # 3: dispatched to 张伟, reminded while theirs, returned as they left office
                    {"item": 3, "action": "dispatch", "from_status": "pending", "role": "admin", "user": None,
                     "data": '{"deputy_id": 1}', "at": at(2)},
                    {"item": 3, "action": "remind", "from_status": "assigned", "role": "system", "user": None,
                     "data": None, "at": at(4)},
                    {"item": 3, "action": "return", "from_status": "assigned", "role": "system", "user": None,
                     "data": None, "at": at(6)},
                    # 4: reminded only while at a department
                    {"item": 4, "action": "remind", "from_status": "forwarded", "role": "system", "user": None,
                     "data": None, "at": at(4)},
                    # 6: filed at 李娜's code, reminded, returned by her
                    {"item": 6, "action": "remind", "from_status": "accepted", "role": "system", "user": None,
                     "data": None, "at": at(7)},
                    {"item": 6, "action": "return", "from_status": "accepted", "role": "deputy", "user": 8,
                     "data": None, "at": at(8)},
                    # 7: dispatched to 张伟, returned in time, dispatched to 李娜
                    {"item": 7, "action": "dispatch", "from_status": "pending", "role": "admin", "user": None,
                     "data": '{"deputy_id": 1}', "at": at(2)},
                    {"item": 7, "action": "return", "from_status": "assigned", "role": "deputy", "user": None,
                     "data": None, "at": at(3)},
                    {"item": 7, "action": "dispatch", "from_status": "pending", "role": "admin", "user": None,
                     "data": '{"deputy_id": 2}', "at": at(4)},
                ])
        upgrade(revision="0064")
        with db.engine.connect() as conn:
            late_due = dict(conn.execute(text("SELECT id, late_dt FROM suggestions ORDER BY id")).all())
            returns = conn.execute(text("SELECT suggestion_id, deputy_id, late_dt, returned_dt "
                                        "FROM suggestion_late_returns ORDER BY suggestion_id")).all()
        assert {i for i, due in late_due.items() if due is not None} == {1, 3, 5, 6}
        assert same(late_due[1], 10) and same(late_due[3], 4) and same(late_due[5], 6) and same(late_due[6], 7)
        assert [(r.suggestion_id, r.deputy_id) for r in returns] == [(3, 1), (6, 2)]
        assert same(returns[0].late_dt, 4) and same(returns[0].returned_dt, 6)

        downgrade(revision="0063")
        assert "late_dt" not in {c["name"] for c in inspect(db.engine).get_columns("suggestions")}
        assert "suggestion_late_returns" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM suggestions")).scalar() == 7
        db.engine.dispose()


def test_0066_marks_the_follows_a_merge_made(scratch_url):
    """0066: a follow of an item that the follower's own duplicate, or one they followed, was merged into is
    marked as made by the merge (its follower view whatever the consent); one chosen from /nearby is not.
    Downgraded, the mark goes and the follows stay."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    at = "2026-11-22 08:00:00" + ("" if scratch_url.startswith("sqlite") else "+00")
    with app.app_context():
        _migrated(scratch_url, "0065")
        _insert_items(scratch_url, [{"id": 1, "number": "S1", "content": "路灯坏了"},
                                    {"id": 2, "number": "S2", "content": "路灯不亮"}])
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, username, display_name, token_version, created_dt) "
                              "VALUES (:id, NULL, '', 0, :at)"), [{"id": i, "at": at} for i in (8, 9, 10)])
            conn.execute(text("UPDATE suggestions SET citizen_id = 8, status = 'closed', merged_into_id = 1 WHERE id = 2"))
            conn.execute(text("INSERT INTO suggestion_followers (suggestion_id, user_id) VALUES (:s, :u)"),
                         [{"s": 1, "u": 8}, {"s": 2, "u": 9}, {"s": 1, "u": 9}, {"s": 1, "u": 10}])
        upgrade(revision="0066")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT suggestion_id, user_id, via_merge FROM suggestion_followers "
                                     "ORDER BY suggestion_id, user_id")).all()
        assert [(s, u, bool(v)) for s, u, v in rows] == [(1, 8, True), (1, 9, True), (1, 10, False), (2, 9, False)]

        downgrade(revision="0065")
        assert "via_merge" not in {c["name"] for c in inspect(db.engine).get_columns("suggestion_followers")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM suggestion_followers")).scalar() == 4
        db.engine.dispose()


def test_0067_builds_the_held_and_supervised_items_indexes_and_rebuilds_one_left_invalid(scratch_url):
    """0067: the held items' and the supervised items' partial indexes (the queue's 内容待审核 and 督办), on
    both databases (built CONCURRENTLY on PostgreSQL, where one a killed build left INVALID is dropped and
    built again), each over its few rows alone and spelled as the queue's filters are. Downgraded, they go."""
    definitions = _indexes_built_online(scratch_url, "0066", "0067", {
        "ix_suggestions_held": "suggestions", "ix_suggestions_supervised": "suggestions"})
    held, supervised = definitions["ix_suggestions_held"], definitions["ix_suggestions_supervised"]
    assert "(id)" in held.replace('"', "") and "held_for_review IS" in held.split("WHERE")[1]
    assert "(id)" in supervised.replace('"', "") and "supervised IS" in supervised.split("WHERE")[1]


def test_0068_adds_what_a_check_in_earned_empty_for_the_rows_there(scratch_url):
    """0068 adds ``points_due`` to the participants, NULL for those there (结单 resolves them as before);
    downgraded, the column goes and the participants stay."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from backend import create_app
    from backend.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "t"})
    at = "2026-11-22 08:00:00" + ("" if scratch_url.startswith("sqlite") else "+00")
    with app.app_context():
        _migrated(scratch_url, "0067")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (id, name, level, path, created_dt) "
                              "VALUES (1, '县', 'county', '/1/', :at)"), {"at": at})
            conn.execute(text("INSERT INTO deputies (id, name, level, region_id, group_name, active, bio, created_dt, "
                              "updated_dt) VALUES (1, '代表', 'county', 1, '', :yes, '', :at, :at)"),
                         {"yes": True, "at": at})
            conn.execute(text("INSERT INTO users (id, username, display_name, admin_region_id, token_version, "
                              "created_dt) VALUES (7, 'liujing', '刘静', 1, 0, :at)"), {"at": at})
            conn.execute(text(
                "INSERT INTO activities (id, title, type, status, region_id, place, starts_dt, ends_dt, description, "
                "created_by_id, created_dt, version, screen_code_only) VALUES (1, '调研', 'research', 'published', 1, "
                "'', :at, :at, '', 7, :at, 1, :no)"), {"at": at, "no": False})
            conn.execute(text(
                "INSERT INTO activity_participants (activity_id, deputy_id, status, decline_reason, checkin_note, "
                "claimed, invited_afterwards) VALUES (1, 1, 'checked_in', '', '', :no, :no)"), {"no": False})
        upgrade(revision="0068")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT deputy_id, points_due FROM activity_participants")).all() == [(1, None)]
        downgrade(revision="0067")
        assert "points_due" not in {c["name"] for c in inspect(db.engine).get_columns("activity_participants")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM activity_participants")).scalar() == 1
        db.engine.dispose()


def test_0069_builds_the_deputy_pickers_indexes_and_rebuilds_one_left_invalid(scratch_url):
    """0069: the deputy picker's indexes (console.deputy_choices), on PostgreSQL the reversed phone's with the
    pattern operators, the GIN index of the names' and groups' characters and pairs by 0023's function, and
    the list's (name, id) over the deputies in office (built CONCURRENTLY, one a killed build left INVALID
    dropped and built again); on SQLite the list's alone. Downgraded, they go."""
    indexes = {"ix_deputies_active_name": "deputies"}
    if not scratch_url.startswith("sqlite"):
        indexes = {"ix_deputies_phone_reversed": "deputies", "ix_deputies_name_grams": "deputies", **indexes}
    definitions = _indexes_built_online(scratch_url, "0068", "0069", indexes)
    listed = definitions["ix_deputies_active_name"]
    assert "(name, id)" in listed and "active IS" in listed.split("WHERE")[1]
    if scratch_url.startswith("sqlite"):
        return
    assert "reverse((phone)::text) text_pattern_ops" in definitions["ix_deputies_phone_reversed"]
    grams = definitions["ix_deputies_name_grams"]
    assert "USING gin" in grams and "suggestion_content_grams(" in grams and "COLLATE \"C\"" in grams


def test_0070_builds_the_reception_days_requests_index_and_rebuilds_one_left_invalid(scratch_url):
    """0070: the requests made for a reception day (appointments.services.open_on_day), (activity_id, status)
    over those naming a day alone, on both databases (built CONCURRENTLY on PostgreSQL, one a killed build
    left INVALID dropped and built again). Downgraded, it goes."""
    definition = _indexes_built_online(scratch_url, "0069", "0070", {
        "ix_appointments_activity_status": "appointments"})["ix_appointments_activity_status"]
    assert "(activity_id, status)" in definition and "activity_id IS NOT NULL" in definition.split("WHERE")[1]


def test_0071_builds_the_refused_templates_index_and_rebuilds_one_left_invalid(scratch_url):
    """0071: the messages waiting for a template id WeChat refused (the health check's refused_templates), by
    template, over those rows alone, on both databases (built CONCURRENTLY on PostgreSQL, one a killed build
    left INVALID dropped and built again). Downgraded, it goes."""
    definition = _indexes_built_online(scratch_url, "0070", "0071", {
        "ix_outbox_messages_template_refused": "outbox_messages"})["ix_outbox_messages_template_refused"]
    on, where = definition.split("WHERE")
    assert "(template)" in on
    assert "pending" in where and "40036 " in where and "40037 " in where


def test_0072_builds_the_in_office_deputies_index_and_rebuilds_one_left_invalid(scratch_url):
    """0072: the deputies in office by created_dt (a rank below 0 counts them: points.queries._ranked_deputies),
    over those rows alone, on both databases (built CONCURRENTLY on PostgreSQL, one a killed build left
    INVALID dropped and built again). Downgraded, it goes."""
    definition = _indexes_built_online(scratch_url, "0071", "0072", {
        "ix_deputies_active_created": "deputies"})["ix_deputies_active_created"]
    on, where = definition.split("WHERE")
    assert "(created_dt)" in on and "active IS" in where

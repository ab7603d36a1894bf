"""The migrations build exactly the schema the models describe (the test database is built by them)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_the_migrated_schema_matches_the_models(app):
    from backend.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
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
        upgrade(revision="0006")
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
        upgrade(revision="0016")
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

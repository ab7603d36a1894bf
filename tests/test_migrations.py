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

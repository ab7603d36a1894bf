"""The migrations build exactly the schema the models describe (the test database is built by them)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_the_migrated_schema_matches_the_models(app):
    from backend.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert differences == [], "a model changed without a migration (or the other way round):\n" + "\n".join(
        map(str, differences))

"""What an activity's steps cost at a province's scale (a city-wide meeting invites a thousand deputies):
the statements a step sends do not grow with the deputies it concerns. Counted, never timed."""
import pytest

from backend.extensions import db

from .factories import sent_statements
from .test_activities import crew, dispatch  # noqa: F401  (fixture)


@pytest.fixture
def many(factory, crew):  # noqa: F811
    """Thirty deputies received at the crew's station (its four among them)."""
    more = [factory.deputy(crew["tree"]["hc"], f"代表{i:02d}", phone=f"139000011{i:02d}", stations=[crew["station"]])
            for i in range(26)]
    return crew["deputies"] + more


def test_the_rotating_code_and_the_record_never_read_the_roster(client, app, crew, many):  # noqa: F811
    """The screen's check-in code (asked for every few seconds during the check-in rush) and the record's
    pages read the activity's row, never its participants: the same statements for one deputy invited as
    for thirty."""
    activities = [dispatch(client, crew, invited).json["id"] for invited in (many[:1], many)]
    sizes = []
    for activity_id in activities:
        for path in ("/checkin-code", "/events"):
            db.session.remove()  # a session of its own, as every request has in production
            with sent_statements(app) as sent:
                answer = client.get(f"/api/v1/activities/{activity_id}{path}", headers=crew["admin"])
            assert answer.status_code == 200, answer.json
            assert [s for s in sent if "activity_participants" in s] == [], sent
            sizes.append(len(sent))
    assert sizes[:2] == sizes[2:], sizes

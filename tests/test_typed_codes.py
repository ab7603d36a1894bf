"""A code typed from the poster (citizen-pages audit 2026-11-29, finding 12): the poster prints it grouped by four
for reading out (编号 hkht yjsl 5yu5 xvxx) and phone keyboards capitalise, so a code with spaces or capitals, or
typed in full-width letters, opens the same deputy or station: the page redirects to the code's canonical
address, and the API's filing and scanning paths take it as it was typed."""
from datetime import datetime, timedelta, timezone

from .test_activities import checkin, crew, dispatch  # noqa: F401  (fixture)
from .test_suggestions import file, world  # noqa: F401  (fixture)


def typed(code):
    """As a citizen types it from the poster: capitals, grouped by four, with a trailing space."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4)).upper() + " "


def test_a_code_typed_in_capitals_or_with_spaces_redirects_to_its_page(client, world):  # noqa: F811
    code = world["zhang"].qr_code
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.upper())  # ＨＫＨＴ…, as some input methods type
    first_letter = next(i for i, c in enumerate(code) if c.isalpha())  # codes may start with a digit (base32)
    capitalised = code[:first_letter] + code[first_letter].upper() + code[first_letter + 1:]  # as keyboards do
    for written in (code.upper(), capitalised, typed(code), full_width):
        answer = client.get(f"/q/{written}?from=poster")
        assert answer.status_code == 301, written
        assert answer.headers["Location"].endswith(f"/q/{code}?from=poster")
    page = client.get(f"/q/{typed(code)}", follow_redirects=True)
    assert page.status_code == 200 and "张伟" in page.get_data(as_text=True)


def test_an_unknown_code_in_capitals_is_still_the_invalid_code_page(client, world):  # noqa: F811
    answer = client.get("/q/ABCDEFGHABCDEFGH", follow_redirects=True)
    assert answer.status_code == 404 and "二维码无效" in answer.get_data(as_text=True)


def test_the_api_resolves_a_typed_code_to_the_canonical_one(client, world):  # noqa: F811
    code = world["station"].qr_code
    answer = client.get(f"/api/v1/qr/{typed(code)}")
    assert answer.status_code == 200, answer.json
    assert (answer.json["code"], answer.json["target"]["name"]) == (code, "城北联络站")


def test_a_suggestion_filed_with_a_typed_code_reaches_the_deputy(client, world):  # noqa: F811
    filed = file(client, world["citizen"], typed(world["zhang"].qr_code))
    assert filed.status_code == 201, filed.json
    shown = client.get(f"/api/v1/suggestions/{filed.json['id']}", headers=world["citizen"]).json
    assert shown["deputy"]["name"] == "张伟"


def test_a_deputy_checks_in_with_a_typed_station_code(client, crew):  # noqa: F811
    zhang = crew["deputies"][0]
    activity_id = dispatch(client, crew, [zhang], starts=datetime.now(timezone.utc) - timedelta(minutes=5)).json["id"]
    checked = checkin(client, crew["headers"][0], typed(crew["station"].qr_code))
    assert checked.status_code == 201, checked.json
    assert checked.json["activity_id"] == activity_id

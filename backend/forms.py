"""Reading numbers and times people type into forms and query strings (the console, the public pages),
and a form's own checks reported together with its schema's."""
from datetime import datetime

from marshmallow import ValidationError

from .auth.scope import MAX_ID
from .db_types import CHINA


def parse_int(value, low=1, high=MAX_ID):
    """An integer between ``low`` and ``high`` from a form or query field, or None.

    ``int()`` decides, not ``str.isdigit()``: that also accepts "²", and int() refuses numbers of
    thousands of digits; both are simply not a number here."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def number_or_text(value):
    """A form field as a strict integer field of the API's schemas receives it: the whole number typed,
    however large, or else the text itself, for the schema to refuse by name (2.5 is no number of
    points). A whole number past what the field takes is refused by the field's range, as the API
    refuses it ("应大于或等于 -10000 且小于或等于 10000。"), not as no integer: every integer field a form
    fills this way has a ``validate.Range`` (ids: ``ID_RANGE``), which refuses it before anything is read
    or written with it — Python's integers have no bound, the database's columns have."""
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:  # no whole number, or one of thousands of digits (int() refuses those)
        return text


def local_input(moment):
    """A stored time as a datetime-local box shows it (China time, to the minute); "" for none."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M") if moment is not None else ""


def china_iso(value):
    """A datetime-local box's text (China time, no offset) as ISO 8601 with +08:00 for the API's schemas,
    else the text itself for the schema to refuse by name (None for nothing typed)."""
    value = (value or "").strip()
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=CHINA).isoformat()
        except ValueError:
            continue
    return value or None


def noted(errors, check, *args):
    """``check(*args)``, or None with the messages of the ValidationError it raised added to ``errors``
    (``{field: [messages]}``): a form's own check that does not stop the others (see ``load_checked``)."""
    try:
        return check(*args)
    except ValidationError as exc:
        errors.update(exc.normalized_messages())
        return None


def load_checked(schema, data, errors):
    """``data`` as ``schema`` loads it, or a ValidationError naming every mistake at once: the form's own
    ``errors`` (a blank name, no region chosen: said the form's way, they win over the schema's message for
    the same field) with the schema's about the other fields. A form refused one mistake at a time sends
    the administrator back again for the next."""
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        raise ValidationError({**exc.normalized_messages(), **errors}) from None
    if errors:
        raise ValidationError(dict(errors))
    return loaded

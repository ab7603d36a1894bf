"""Console forms that take their step once, however often they are sent.

Every console form carries a fresh random key (``form_key``, written by ``form_fields()`` beside the
CSRF token). A double click, a browser sending the form again after a slow answer, or 后退 and 提交
again post the same key: the first post takes the step and remembers the key, in the step's own
transaction, with where it led and what it said; every later post of that form is given the same
page and message and changes nothing. Without it a second 发单 made a second activity and notified
every deputy twice, a second 积分更正 credited twice, a second 重新生成 revoked the code just printed,
and a second 确认约见 told the citizen the meeting had moved.

Two posts of one form at the same instant both find the key unused; the unique key on
``idempotency_records`` lets only one commit, and the other, rolled back, answers as the first.
"""
from functools import wraps

from flask import flash, g, redirect, request, session, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from ..errors import APIError
from ..extensions import db
from ..idempotency import FORM_KEY_FIELD, new_form_key, posted_form_key, remember_form, sent_form
from ..transactions import wrote
from . import bp
from .drawn import DRAWN_FIELD, drawn_state


@bp.app_template_global()
def form_fields(record=None, part=None):
    """The hidden fields every console form posts: its CSRF token and its one-time key; and, for a form
    that edits or acts on ``record`` (or on its ``part`` only), the state it was drawn in (drawn.py)."""
    drawn = (f'<input type="hidden" name="{DRAWN_FIELD}" value="{escape(drawn_state(record, part))}">'
             if record is not None else "")
    return Markup(
        f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
        f'<input type="hidden" name="{FORM_KEY_FIELD}" value="{new_form_key()}">{drawn}'
    )


class PostedForm:
    """The form being posted by the signed-in administrator, and what its key says of it."""

    def __init__(self):
        self.user_id = g.user.id
        self.key = posted_form_key(request.form)
        self._flashed = len(session.get("_flashes", ()))

    def first(self):
        """The earlier post of this form that took its step, or None."""
        return sent_form(self.user_id, self.key)

    def replay(self, record, default_location):
        """Answer as the first post did: its messages, and the page it led to."""
        outcome = record.body or {}
        self.forget_flashes()
        for category, message in outcome.get("flashes", ()):
            flash(message, category)
        return redirect(outcome.get("location") or default_location)

    def remember(self, location):
        """Note, in the step's transaction (before its commit), that this form took its step and led to
        ``location`` with the messages flashed since it arrived."""
        flashes = [list(pair) for pair in session.get("_flashes", ())[self._flashed:]]
        remember_form(self.user_id, self.key, {"location": location, "flashes": flashes})

    def forget_flashes(self):
        """Drop what this request flashed (a step rolled back must not say it was taken)."""
        if len(session.get("_flashes", ())) > self._flashed:
            session["_flashes"] = session["_flashes"][:self._flashed]


def taken_once(view):
    """Wrap a console form's view (signed in, inside the error handling of ``console_page``) so that it
    takes its step once per form: see the module's docstring. A post that changed nothing (a refusal,
    a form re-shown to correct) is not remembered, and the corrected form may be sent again."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method != "POST" or posted_form_key(request.form) is None:
            return view(*args, **kwargs)
        form = PostedForm()
        first = form.first()
        if first is not None:
            return form.replay(first, url_for("console.home"))
        try:
            response = view(*args, **kwargs)
            if isinstance(response, Response) and response.status_code in (302, 303) and wrote(db.session()):
                form.remember(response.location)
                db.session.flush()  # a twin of this form that committed first collides here
            return response
        except IntegrityError:
            db.session.rollback()
            first = form.first()
            if first is None:
                raise
            return form.replay(first, url_for("console.home"))

    return wrapped


class Collided(Exception):
    """The step collided with another change saved at the same moment; nothing of it was saved."""


def take_once(back, step):
    """Run ``step()`` — it takes the step and flashes what it did — as this form's one step, commit, and
    go to ``back``; when the form was sent before, answer as the first post did. An APIError refusing
    the step is raised again after the rollback, and ``Collided`` when another change won."""
    form = PostedForm()
    first = form.first()
    if first is not None:
        return form.replay(first, back)
    try:
        step()
        form.remember(back)
        db.session.commit()
    except APIError:
        db.session.rollback()
        form.forget_flashes()
        raise
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        form.forget_flashes()
        first = form.first()
        if first is not None:  # its twin, sent at the same moment, took the step
            return form.replay(first, back)
        raise Collided() from None
    return redirect(back)

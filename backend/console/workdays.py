"""工作日历: the national working-day calendar reply deadlines are counted on (backend/workdays). Every
administrator may read a year; the administrators of the root region enter the State Council's
arrangement for the coming year when it is published (each November), or take back a day entered by
mistake, with the same rules as ``flask --app backend workdays``."""
from datetime import date

from flask import flash, g, redirect, render_template, request, url_for

from schemas.activities import YearQuery

from ..errors import APIError, validation_failed
from ..extensions import db
from ..org.services import root_region
from ..points.queries import current_year
from ..workdays.models import KIND_LABELS, DayKind
from ..workdays.services import enter, next_year_missing, remove, shown, year_days
from . import bp
from .pages import console_page, year_asked
from .form_errors import refused_form

# The entry form's fields, in page order: a refused one shows its message under it.
ADD_FIELDS = ("first", "last", "kind", "name")
LABELS = {"first": "开始日期", "last": "结束日期", "kind": "类别", "name": "名称"}


def may_edit(user):
    root = root_region()
    return root is not None and user.admin_region_id == root.id


def _date(name, required=True):
    value = (request.form.get(name) or "").strip()
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise validation_failed({name: ["请选择日期。" if not value else f"“{value[:20]}”不是有效日期。"]}) from None


def calendar_missing(user):
    """The year to remind ``user`` to enter (console/workdays_reminder.html): only those who may."""
    return next_year_missing() if may_edit(user) else None


def _editor_only():
    if not may_edit(g.user):
        raise APIError(403, "forbidden", "只有全域（根区域）管理员可以修改工作日历。")


@bp.get("/workdays")
@console_page()
def workdays():
    year = year_asked(YearQuery, current_year())
    return render_template("console/workdays.html", **_page(year))


def _page(year, values=None):
    """What the page shows of ``year``; the entry form holds ``values`` (a refused form's, as typed)."""
    days = year_days(year)
    return dict(year=year, days=days, shown=shown, kind_labels=KIND_LABELS, values=values or {},
                holidays=sum(day.kind is DayKind.holiday for day in days), can_edit=may_edit(g.user),
                calendar_missing=calendar_missing(g.user))


@bp.post("/workdays")
@console_page("console.workdays")
def workdays_add():
    _editor_only()
    kind = request.form.get("kind", "")
    try:
        first = _date("first")
        last = _date("last", required=False)
        if kind not in KIND_LABELS:
            raise validation_failed({"kind": ["请选择放假或调休上班。"]})
        days = enter(first, last, kind, request.form.get("name", ""))
    except APIError as exc:
        if exc.status != 422:
            raise
        # Shown again as typed, at the year of the date typed, each reason under its box; read after the
        # rollback: the calendar as it is saved.
        year = _typed_year(request.form.get("first")) or current_year()
        return refused_form("console/workdays.html", exc, ADD_FIELDS, LABELS, read_after=lambda: _page(year, request.form))
    flash(f"已录入{KIND_LABELS[kind]}（{request.form['name'].strip()}）{len(days)} 天："
          f"{'、'.join(shown(day) for day in days)}。此后的答复时限按新的日历计算。", "success")
    return redirect(url_for("console.workdays", year=first.year))


def _typed_year(value):
    """The year of a typed date, when the page can show it."""
    try:
        year = date.fromisoformat((value or "").strip()).year
    except ValueError:
        return None
    return year if 2000 <= year <= 2100 else None


@bp.post("/workdays/remove")
@console_page("console.workdays")
def workdays_remove():
    _editor_only()
    first = _date("first")
    try:
        removed = remove(first, None)
    except APIError as exc:
        # The day's 删除 has no box to say it under, and the day is no longer in the table: the reason at
        # the top of the year as it is now.
        if exc.status != 422:
            raise
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("console.workdays", year=first.year))
    flash(f"已删除 {removed} 天（{shown(first)}）：该日恢复按周末双休计算；已定的答复时限不变。", "success")
    return redirect(url_for("console.workdays", year=first.year))

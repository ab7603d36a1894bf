"""联系清单: the steps on liaisons, their deputies and their contacts, each in the request's transaction with
its line in the 操作日志; and the queries the API, the console and its export share.

Whom a liaison keeps in touch with: the deputies of its own congress (本级人大代表, ``own_deputies``) — those
of the level of the liaison's region's congress (a county's standing committee: 县（区）人大代表) elected in the
region. A 乡镇人大代表 sits in the town's congress, a city deputy in the city's, a national or provincial deputy
received at one of the region's stations in theirs: none of them is the county committee's to keep in touch
with, nor counted in its figures.

Who counts: "assigned" is the deputies of its own congress given to a liaison who are in office now (a deputy who left office
stays in the records made with them, but is no longer one the liaison should contact); "contacted" is those
of them with a contact in the year; "contacts" every contact of the year, whoever it was with.
"""
from datetime import date
from types import SimpleNamespace

from sqlalchemy import and_, case, delete, distinct, exists, false, func, or_, select
from sqlalchemy.orm import aliased

from ..audit.log import record
from ..auth.scope import RegionRef, deputy_scope_clause, region_subtree_clause
from ..db_types import CHINA, conflict_insert, utcnow
from ..errors import conflict, not_found, validation_failed
from ..extensions import db
from ..org import congress
from ..org.models import DEPUTY_LEVEL_LABELS, Deputy, Region
from .models import KIND_LABELS, WAY_LABELS, ContactWay, Liaison, LiaisonContact, LiaisonDeputy, LiaisonKind

INACTIVE = "该联系人已停用，请先启用。"


def today():
    """Today in China, where a contact's day is read."""
    return utcnow().astimezone(CHINA).date()


def this_year():
    return today().year


def year_bounds(year):
    return date(year, 1, 1), date(year, 12, 31)


def congress_name(region_name):
    return f"{region_name}人大常委会"


def _log(action, actor, liaison, detail=None):
    record(action, actor, ("liaison", liaison.id, liaison.name), liaison.region_id, detail)


def _refuse(field, message):
    raise validation_failed({field: [message]}, message)


def _names(names, limit=10):
    shown = "、".join(names[:limit])
    return shown + (f"等 {len(names)} 位" if len(names) > limit else "")


# --- liaisons ------------------------------------------------------------------------------------------


ONLY_STANDING_COMMITTEES = "联系清单只能由县级以上人大常委会建立"


def refuse_without_standing_committee(region, field="region_id"):
    """A liaison is a standing committee's (常委会组成人员, 专门委员会): refused (422) for a region whose
    congress has none (a 乡镇, a 街道, a village), saying why (``org.congress``' rule)."""
    congress.refuse_without_standing_committee(region, ONLY_STANDING_COMMITTEES, field)


def create_liaison(region, data, actor):
    refuse_without_standing_committee(region)
    liaison = Liaison(region_id=region.id, name=data["name"], kind=LiaisonKind(data["kind"]), title=data.get("title", ""),
                      active=True, created_by_id=actor.id)
    db.session.add(liaison)
    db.session.flush()
    _log("liaison_created", actor, liaison, {"kind": KIND_LABELS[liaison.kind.value], "duty": liaison.title})
    return liaison


def update_liaison(liaison, data, actor):
    changes = {}
    for key, label in (("name", "name"), ("title", "duty"), ("active", "active")):
        if key in data and data[key] != getattr(liaison, key):
            changes[label] = [getattr(liaison, key), data[key]]
            setattr(liaison, key, data[key])
    if "kind" in data and data["kind"] != liaison.kind.value:
        changes["kind"] = [KIND_LABELS[liaison.kind.value], KIND_LABELS[data["kind"]]]
        liaison.kind = LiaisonKind(data["kind"])
    if changes:
        db.session.flush()
        _log("liaison_updated", actor, liaison, changes)
    return changes


def delete_liaison(liaison, actor):
    """删除: only one without a contact recorded (a mistake just made); one with records is 停用 instead,
    so that the records keep whom they were made by. The liaison's row is held while it is checked, so
    that a contact recorded at the same instant either comes first (and the deletion is refused) or waits
    and finds the liaison gone."""
    _held(liaison, share=False)
    if db.session.scalar(select(exists().where(LiaisonContact.liaison_id == liaison.id))):
        raise conflict("该联系人已有联系记录，不能删除；如不再联系代表，请将其停用。")
    assigned = db.session.scalar(select(func.count()).select_from(LiaisonDeputy)
                                 .where(LiaisonDeputy.liaison_id == liaison.id))
    _log("liaison_deleted", actor, liaison, {"kind": KIND_LABELS[liaison.kind.value], "deputies": assigned})
    db.session.execute(delete(LiaisonDeputy).where(LiaisonDeputy.liaison_id == liaison.id))
    db.session.delete(liaison)
    db.session.flush()


def _held(liaison, share=True):
    """Whether the liaison is active, its row read again and held to the request's end (``share``: side by
    side with other steps that only need it to stay, as recording contacts; else alone, as deleting it).
    Deleted meanwhile by another request: not found."""
    active = db.session.scalar(select(Liaison.active).where(Liaison.id == liaison.id)
                               .with_for_update(read=share).execution_options(populate_existing=True))
    if active is None:
        raise not_found("联系人不存在。")
    return active


def _active(liaison):
    """The liaison held (shared) and active: a 停用 or a deletion at the same instant waits for this step
    or is seen by it."""
    if not _held(liaison):
        raise conflict(INACTIVE)


# --- the deputies each keeps in touch with ---------------------------------------------------------------


def reach_clause(region):
    """SQL condition on ``Deputy``: the deputies an administrator of ``region`` sees — elected in its subtree
    or received at one of its stations (the scope rules' own, for that region)."""
    return deputy_scope_clause(SimpleNamespace(admin_region=RegionRef(region.id, region.path),
                                               is_station_admin=False, id=None))


def own_deputies(region):
    """SQL condition on ``Deputy``: 本级人大代表 of ``region``'s congress — of its congress's level
    (``org.congress.congress_level``) and elected in its subtree."""
    level = congress.congress_level(region)
    if level is None:
        return false()
    return and_(Deputy.level == level, region_subtree_clause(Deputy.region_id, region))


def _own_deputies_of(liaison_region):
    """``own_deputies`` for each row's liaison: SQL condition on ``Deputy`` given ``liaison_region`` (an alias
    of ``Region``, the liaison's region, in the query) — one statement for every liaison."""
    deputy_region = aliased(Region)
    levels = or_(*(and_(liaison_region.level == region_level, Deputy.level == level)
                   for region_level, level in congress.CONGRESS_LEVEL.items()
                   if region_level in congress.STANDING_COMMITTEE_LEVELS))
    return and_(levels, exists().where(deputy_region.id == Deputy.region_id,
                                       deputy_region.path.startswith(liaison_region.path)))


def not_own_message(region, deputies):
    """422 naming the deputies (``Deputy`` rows with name and level) who are not 本级人大代表 of ``region``."""
    names = [f"{d.name}（{DEPUTY_LEVEL_LABELS[d.level.value]}）" for d in deputies]
    return f"以下代表不是{region.name}人大代表（联系清单只安排本级人大代表），不能安排联系：{_names(names)}。"


def assign(liaison, deputy_ids, actor):
    """Give ``deputy_ids`` to the liaison; those given already stay as they are (a retry adds nothing).
    Refused whole, naming them, when any is not a deputy of the liaison's congress (本级人大代表: named with
    their level when the caller sees them, by number otherwise) or has left office."""
    _active(liaison)
    ids = list(dict.fromkeys(deputy_ids))
    found = {d.id: d for d in db.session.execute(
        select(Deputy.id, Deputy.name, Deputy.active, Deputy.level, own_deputies(liaison.region).label("own"))
        .where(Deputy.id.in_(ids), reach_clause(liaison.region)))}
    unknown = [str(i) for i in ids if i not in found]
    if unknown:
        _refuse("deputy_ids", f"以下代表不存在或不属于{congress_name(liaison.region.name)}联系的代表（编号）：{_names(unknown)}。")
    others = [found[i] for i in ids if not found[i].own]
    if others:
        _refuse("deputy_ids", not_own_message(liaison.region, others))
    left = [found[i].name for i in ids if not found[i].active]
    if left:
        _refuse("deputy_ids", f"以下代表已离任，不能安排联系：{_names(left)}。")
    already = set(db.session.scalars(select(LiaisonDeputy.deputy_id).where(
        LiaisonDeputy.liaison_id == liaison.id, LiaisonDeputy.deputy_id.in_(ids))))
    new = [i for i in ids if i not in already]
    if new:
        now = utcnow()
        statement = conflict_insert(LiaisonDeputy, db.session.get_bind()).on_conflict_do_nothing(
            index_elements=["liaison_id", "deputy_id"])
        db.session.execute(statement, [{"liaison_id": liaison.id, "deputy_id": i, "assigned_by_id": actor.id,
                                        "assigned_dt": now} for i in new])
        _log("liaison_deputies_added", actor, liaison, {"count": len(new), "names": _names([found[i].name for i in new])})
    return len(new)


def unassign(liaison, deputy_ids, actor):
    """Take ``deputy_ids`` off the liaison's list; the contacts made with them stay. Those not on it are
    passed over (a retry removes nothing more)."""
    ids = list(dict.fromkeys(deputy_ids))
    names = db.session.scalars(select(Deputy.name).join(LiaisonDeputy, LiaisonDeputy.deputy_id == Deputy.id).where(
        LiaisonDeputy.liaison_id == liaison.id, LiaisonDeputy.deputy_id.in_(ids)).order_by(Deputy.name)).all()
    if names:
        db.session.execute(delete(LiaisonDeputy).where(LiaisonDeputy.liaison_id == liaison.id,
                                                       LiaisonDeputy.deputy_id.in_(ids)))
        _log("liaison_deputies_removed", actor, liaison, {"count": len(names), "names": _names(names)})
    return len(names)


def assigned_count(liaison):
    """Deputies of its own congress in office given to the liaison."""
    return db.session.scalar(select(func.count()).select_from(LiaisonDeputy)
                             .join(Deputy, Deputy.id == LiaisonDeputy.deputy_id)
                             .where(LiaisonDeputy.liaison_id == liaison.id, Deputy.active.is_(True),
                                    own_deputies(liaison.region)))


def assigned_query(liaison, year, uncontacted=False):
    """The liaison's deputies with their region's name, their contacts in ``year`` and the last day of one:
    ``(Deputy, region name, contacts, last date)`` rows, in office first, by name (one of another congress
    given before the rule too, to be taken off). ``uncontacted``: only those of its own congress in office
    without a contact in the year (whom to visit next)."""
    start, end = year_bounds(year)
    counts = (select(LiaisonContact.deputy_id, func.count().label("n"), func.max(LiaisonContact.contact_date).label("last"))
              .where(LiaisonContact.liaison_id == liaison.id, LiaisonContact.contact_date.between(start, end))
              .group_by(LiaisonContact.deputy_id).subquery())
    query = (select(Deputy, Region.name, func.coalesce(counts.c.n, 0), counts.c.last)
             .join(LiaisonDeputy, LiaisonDeputy.deputy_id == Deputy.id)
             .join(Region, Region.id == Deputy.region_id)
             .outerjoin(counts, counts.c.deputy_id == Deputy.id)
             .where(LiaisonDeputy.liaison_id == liaison.id)
             .order_by(Deputy.active.desc(), Deputy.name, Deputy.id))
    if uncontacted:
        query = query.where(Deputy.active.is_(True), counts.c.n.is_(None), own_deputies(liaison.region))
    return query


# --- contacts --------------------------------------------------------------------------------------------


def record_contact(liaison, data, actor):
    """登记联系: a contact with a deputy given to the liaison, on a day not after today. The deputy's place
    on the list is held (shared) while it is written: taken off at the same instant, one of the two waits."""
    _active(liaison)
    deputy = db.session.get(Deputy, data["deputy_id"])
    held = db.session.scalar(select(LiaisonDeputy.id).where(
        LiaisonDeputy.liaison_id == liaison.id, LiaisonDeputy.deputy_id == data["deputy_id"]
    ).with_for_update(read=True))
    if held is None or deputy is None:
        # The liaison deleted meanwhile took its list with it (SQLite reads outside a transaction, each
        # statement the latest): not found, as if the deletion came first, rather than "not on the list".
        _held(liaison)
        _refuse("deputy_id", "该代表不在本联系人的联系名单中，请先安排联系。")
    if not deputy.active:
        _refuse("deputy_id", f"代表{deputy.name}已离任，不能再登记联系。")
    if data["date"] > today():
        _refuse("date", "联系日期不能晚于今天。")
    contact = LiaisonContact(liaison_id=liaison.id, deputy_id=deputy.id, contact_date=data["date"], way=ContactWay(data["way"]),
                             summary=data["summary"], opinions=data.get("opinions", ""), created_by_id=actor.id,
                             created_dt=utcnow())
    db.session.add(contact)
    db.session.flush()
    _log("liaison_contact_added", actor, liaison, _contact_detail(contact, deputy))
    return contact


def _contact_detail(contact, deputy):
    return {"deputy": deputy.name, "contact_date": contact.contact_date.isoformat(),
            "way": WAY_LABELS[contact.way.value],
            "contact_summary": contact.summary[:100]}


def delete_contact(contact, actor):
    """删除联系记录: the only correction (enter it again as it should be); the 操作日志 keeps what it said."""
    # Deleted by one statement whose count says whether this request deleted it: of two deletions at once
    # (a double tap, two administrators) the later finds nothing left, answers 404 and logs nothing.
    liaison, detail = contact.liaison, {"record": contact.id, **_contact_detail(contact, contact.deputy)}
    gone = db.session.execute(delete(LiaisonContact).where(LiaisonContact.id == contact.id)
                              .execution_options(synchronize_session=False)).rowcount
    if not gone:
        raise not_found("联系记录不存在。")
    db.session.expunge(contact)
    _log("liaison_contact_deleted", actor, liaison, detail)


def contacts_query(region, args):
    """Contacts of the liaisons of ``region``'s subtree, newest first, with names: ``(LiaisonContact,
    liaison name, deputy name, entered by)`` rows; filtered by liaison, deputy, a period or a year."""
    from ..auth.models import User

    query = (select(LiaisonContact, Liaison.name, Deputy.name, func.coalesce(User.display_name, User.username))
             .join(Liaison, Liaison.id == LiaisonContact.liaison_id)
             .join(Deputy, Deputy.id == LiaisonContact.deputy_id)
             .outerjoin(User, User.id == LiaisonContact.created_by_id)
             .where(region_subtree_clause(Liaison.region_id, region))
             .order_by(LiaisonContact.contact_date.desc(), LiaisonContact.id.desc()))
    if args.get("liaison_id"):
        query = query.where(LiaisonContact.liaison_id == args["liaison_id"])
    if args.get("deputy_id"):
        query = query.where(LiaisonContact.deputy_id == args["deputy_id"])
    if args.get("year"):
        query = query.where(LiaisonContact.contact_date.between(*year_bounds(args["year"])))
    if args.get("date_from"):
        query = query.where(LiaisonContact.contact_date >= args["date_from"])
    if args.get("date_to"):
        query = query.where(LiaisonContact.contact_date <= args["date_to"])
    return query


# --- the year's figures ----------------------------------------------------------------------------------


def liaisons_query(region):
    """The liaisons of ``region``'s subtree in the list's order, with their region's name: ``(Liaison, region
    name)`` rows. Their year's figures are read for a page of them at a time (``with_figures``)."""
    return (select(Liaison, Region.name)
            .join(Region, Region.id == Liaison.region_id)
            .where(region_subtree_clause(Liaison.region_id, region))
            .order_by(Liaison.active.desc(), Region.path, Liaison.kind, Liaison.name, Liaison.id))


def figures(liaison_ids, year):
    """``{liaison id: (assigned, contacted, contacts)}`` for the liaisons named, in one statement: deputies
    of its own congress (``own_deputies``) in office given to them, of those the ones contacted in ``year``,
    and every contact of the year. Only those liaisons' deputies and contacts are read: a page of the list
    costs the same in a county and in a province with thousands of liaisons and their year's contacts."""
    ids = list(liaison_ids)
    if not ids:
        return {}
    start, end = year_bounds(year)
    liaison_region = aliased(Region)
    assigned = (select(LiaisonDeputy.liaison_id, func.count().label("n"))
                .join(Deputy, Deputy.id == LiaisonDeputy.deputy_id)
                .join(Liaison, Liaison.id == LiaisonDeputy.liaison_id)
                .join(liaison_region, liaison_region.id == Liaison.region_id)
                .where(Deputy.active.is_(True), LiaisonDeputy.liaison_id.in_(ids), _own_deputies_of(liaison_region))
                .group_by(LiaisonDeputy.liaison_id).subquery())
    counted = and_(Deputy.active.is_(True), LiaisonDeputy.id.is_not(None), _own_deputies_of(liaison_region))
    contacts = (select(LiaisonContact.liaison_id, func.count().label("n"),
                       func.count(distinct(case((counted, LiaisonContact.deputy_id)))).label("contacted"))
                .join(Deputy, Deputy.id == LiaisonContact.deputy_id)
                .join(Liaison, Liaison.id == LiaisonContact.liaison_id)
                .join(liaison_region, liaison_region.id == Liaison.region_id)
                .outerjoin(LiaisonDeputy, and_(LiaisonDeputy.liaison_id == LiaisonContact.liaison_id,
                                               LiaisonDeputy.deputy_id == LiaisonContact.deputy_id))
                .where(LiaisonContact.contact_date.between(start, end), LiaisonContact.liaison_id.in_(ids))
                .group_by(LiaisonContact.liaison_id).subquery())
    rows = db.session.execute(
        select(Liaison.id, func.coalesce(assigned.c.n, 0), func.coalesce(contacts.c.contacted, 0),
               func.coalesce(contacts.c.n, 0))
        .outerjoin(assigned, assigned.c.liaison_id == Liaison.id)
        .outerjoin(contacts, contacts.c.liaison_id == Liaison.id)
        .where(Liaison.id.in_(ids)))
    return {liaison_id: (int(a), int(c), int(n)) for liaison_id, a, c, n in rows}


def with_figures(rows, year):
    """``(Liaison, region name)`` rows (a page of ``liaisons_query``) as ``summary_row`` dicts with the
    year's figures, read for those liaisons only."""
    rows = list(rows)
    found = figures((liaison.id for liaison, _ in rows), year)
    return [summary_row((liaison, region_name, *found.get(liaison.id, (0, 0, 0)))) for liaison, region_name in rows]


EXPORT_BATCH = 500


def summary_rows(region, year):
    """Every liaison of ``region``'s subtree with the year's figures, as ``summary_row`` dicts in the list's
    order, their figures read ``EXPORT_BATCH`` liaisons at a time (the export)."""
    batch = []
    for row in db.session.execute(liaisons_query(region)):
        batch.append(row)
        if len(batch) == EXPORT_BATCH:
            yield from with_figures(batch, year)
            batch = []
    yield from with_figures(batch, year)


def rate(contacted, assigned):
    return round(contacted / assigned, 4) if assigned else None


def summary_row(row):
    liaison, region_name, assigned, contacted, contacts = row
    return {"liaison_id": liaison.id, "name": liaison.name, "kind": liaison.kind.value, "kind_label": liaison.kind_label,
            "title": liaison.title, "region_name": region_name, "active": liaison.active, "assigned": int(assigned),
            "contacted": int(contacted), "contacts": int(contacts), "contact_rate": rate(int(contacted), int(assigned))}


def liaisons_of_deputy(deputy_id):
    """The active liaisons who keep in touch with a deputy, with their congress: (Liaison, region name)."""
    return (select(Liaison, Region.name).join(LiaisonDeputy, LiaisonDeputy.liaison_id == Liaison.id)
            .join(Region, Region.id == Liaison.region_id)
            .where(LiaisonDeputy.deputy_id == deputy_id, Liaison.active.is_(True))
            .order_by(Region.path, Liaison.kind, Liaison.name, Liaison.id))

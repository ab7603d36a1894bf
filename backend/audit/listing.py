"""Reading the 操作日志: who sees which events, the console's filters, and each event told in Chinese.

A region administrator reads the events of their region's subtree (the super administrator's: all of
them, the sign-ins of unknown names included) and their own. A station administrator reads only their
own actions and those done to their account (a sign-in failed under their name, a password reset): the
log is scoped by region, and a station's region holds other administrators' work they do not manage.
An event kept under several regions (a station administrator's over several, a move) is read once by
each of them (``copy_depth``).
"""
import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, false, or_, select

from ..auth.scope import is_root
from ..db_types import CHINA, in_ids
from ..extensions import db
from ..appointments.models import APPOINTMENT_STATUS_LABELS
from ..org.models import DEPUTY_LEVEL_LABELS, STATION_KIND_LABELS, DeletedRegion, Region
from ..research.models import TOPIC_STATUS_LABELS
from ..suggestions.models import STATUS_LABELS
from ..suggestions.queries import LIST_ORDERS
from .models import ACTION_LABELS, TARGET_LABELS, AuditEvent

PER_PAGE = 50
# The actions whose details are ``{field: [from, to]}``.
CHANGES = frozenset({"account_updated", "region_updated", "station_updated", "deputy_updated", "rule_changed",
                     "rule_withdrawn", "grade_bands_changed", "grade_bands_withdrawn", "qr_reissued",
                     "livelihood_vote_updated", "consultation_updated", "research_topic_updated",
                     "consultation_feedback", "liaison_updated", "report_poll_updated"})

# detail keys → what the console calls them
FIELD_LABELS = {
    "username": "用户名", "reason": "原因", "display_name": "姓名", "region": "区域", "stations": "联络站",
    "name": "名称", "kind": "类型", "address": "地址", "lat": "纬度", "lng": "经度", "open_hours": "接待时间",
    "description": "简介", "deputies": "进站代表数", "admins": "管理员", "level": "层级", "term": "届次",
    "group": "代表小组", "phone": "手机号", "bio": "简介", "file": "文件", "created": "新增", "updated": "更新",
    "unchanged": "未变化", "refused_rows": "有误行数", "label": "名称", "points": "积分", "yearly_cap": "年度上限",
    "active": "启用", "year": "年度", "export": "导出内容", "filters": "筛选条件", "rows": "行数",
    "capped": "未全部导出", "matched": "符合条件行数", "wechat_users": "微信数", "contact_phone": "联系电话",
    "found": "找到建议",
    "parent": "上级区域", "code": "二维码", "bands": "评价等次",
    "title": "标题", "places": "拟票决项目数", "starts_at": "投票开始时间", "ends_at": "投票结束时间",
    "projects": "候选项目", "project_description": "项目简介", "project_department": "责任单位",
    "project_budget": "预算（万元）", "project_position": "排序", "electorate": "应投票人数", "voted": "实投人数",
    "adopted": "当选项目数", "summary": "起草说明", "articles": "条文数", "opinions": "意见数",
    "early": "提前结束", "opinion": "意见编号", "feedback": "反馈",
    "duty": "职务", "count": "人数", "names": "代表", "deputy": "代表", "contact_date": "联系日期", "way": "联系方式",
    "contact_summary": "联系情况", "record": "记录编号", "window": "测评时间", "poll_status": "测评状态", "ballots": "选票数",
    "ballot_mode": "测评方式", "tickets": "本次生成测评票（张）", "tickets_issued": "累计发放测评票（张）",
    "theme": "主题", "due_date": "报告截止日期", "max_teams": "领题团队数上限", "teams": "领题团队数", "team": "调研团队",
    "report": "调研报告", "instructed_by": "批示领导", "instruction_date": "批示日期",
}
# detail keys whose meaning depends on what was acted on (target_type, key) → what the console calls them:
# a station's deputies are stationed there, a liaison's are those it keeps in touch with, a 述职 activity's
# (its 述职测评) are those reporting
TARGET_FIELD_LABELS = {("liaison", "deputies"): "联系代表数", ("activity", "deputies"): "述职代表数"}


def scope_clause(user):
    """SQL condition on ``AuditEvent``: the events ``user`` (an administrator) may read, each once: of an
    event kept under several regions (``log.record_across``), the one row for their depth (``copy_depth``)
    of those in their subtree, and its first row if it is their own or done to their account."""
    first = AuditEvent.copy_depth.is_(None)
    mine = and_(AuditEvent.actor_user_id == user.id, first)
    region = user.admin_region
    if region is not None:
        if is_root(region):
            return first
        depth = region.path.strip("/").count("/")  # the root's is 0
        # The subtree's regions read first and looked up (``in_ids``): with ``mine`` an OR of two
        # indexed conditions, ix_audit_events_region_at's and ix_audit_events_actor_at's, where
        # ``region_id IN (SELECT …)`` made PostgreSQL test every event of the log against both (a county's
        # exact count of 2,000,000 events: 300 ms; 40–50 ms so).
        # A subtree's deleted regions too: their lines stay theirs (org.models.DeletedRegion).
        subtree = select(Region.id).where(Region.path.startswith(region.path)).union_all(
            select(DeletedRegion.id).where(DeletedRegion.path.startswith(region.path)))
        return or_(and_(in_ids(AuditEvent.region_id, subtree), or_(first, AuditEvent.copy_depth < depth)), mine)
    if user.is_station_admin:
        return and_(or_(AuditEvent.actor_user_id == user.id,
                        and_(AuditEvent.target_type == "user", AuditEvent.target_id == user.id)), first)
    return false()


def _day(value):
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _typed(value, length):
    return (value or "").translate(dict.fromkeys(range(32))).strip()[:length]


def parse_filters(args):
    """The console's query string → the filters the page echoes: ``action``, ``who`` (an account's name or
    username), ``target`` (what was acted on, by its name then: a station, a deputy, an account…), ``from``
    and ``to`` (China dates, either may be left out); what is not one is ignored."""
    return filters_of(args.get("action") if args.get("action") in ACTION_LABELS else None,
                      _typed(args.get("who"), 64), _day(args.get("from")), _day(args.get("to")),
                      _typed(args.get("target"), 100))


def filters_of(action=None, who="", first=None, last=None, target_text=""):
    """The filters ``events_query`` takes, without the empty ones; dates the wrong way round are swapped."""
    if first and last and first > last:
        first, last = last, first
    filters = {"action": action, "who": who, "target": target_text, "from": first, "to": last}
    return {key: value for key, value in filters.items() if value}


def events_query(user, filters):
    """The events ``user`` reads that ``filters`` select, newest first."""
    query = select(AuditEvent).where(scope_clause(user))
    if "action" in filters:
        query = query.where(AuditEvent.action == filters["action"])
    if "who" in filters:
        query = query.where(or_(AuditEvent.actor_name.contains(filters["who"], autoescape=True),
                                AuditEvent.actor_username.contains(filters["who"], autoescape=True)))
    if "target" in filters:
        query = query.where(AuditEvent.target_label.contains(filters["target"], autoescape=True))
    if "from" in filters:
        query = query.where(AuditEvent.at >= datetime.combine(filters["from"], time(), CHINA))
    if "to" in filters:
        query = query.where(AuditEvent.at < datetime.combine(filters["to"] + timedelta(days=1), time(), CHINA))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


EXPORT_COLUMNS = (AuditEvent.at, AuditEvent.id, AuditEvent.actor_user_id, AuditEvent.actor_name,
                  AuditEvent.actor_username, AuditEvent.action, AuditEvent.target_type, AuditEvent.target_label,
                  AuditEvent.client_address, AuditEvent.detail)


def export_events(user, filters, limit, batch=2000):
    """The events ``events_query`` selects, newest first, up to ``limit``, as rows of the columns the
    export shows (``who``, ``target`` and ``details`` read them as they read events), ``batch`` at a time:
    each batch starts after the last row of the one before (by time, then id), so the export holds one
    batch, whatever its size. Loading 50,000 events as ORM objects at once peaked at 110 MB of Python's
    allocations; batches peak at 5.5 MB (bench/audit_export.py)."""
    statement = events_query(user, filters).with_only_columns(*EXPORT_COLUMNS)
    last, left = None, limit
    while left > 0:
        page = statement if last is None else statement.where(
            or_(AuditEvent.at < last.at, and_(AuditEvent.at == last.at, AuditEvent.id < last.id)))
        rows = db.session.execute(page.limit(min(batch, left))).all()
        yield from rows
        if len(rows) < min(batch, left):
            return
        last, left = rows[-1], left - len(rows)


def who(event):
    """The account as it was named then: 姓名（用户名）; a name tried at the sign-in that named no
    administrator; or a command run on the server."""
    if event.actor_user_id is None and event.action in ("login_failed", "login_limited"):
        return f"未知账号（{event.actor_username}）" if event.actor_username else "未知账号（未填用户名）"
    if event.actor_username and event.actor_username != event.actor_name:
        return f"{event.actor_name}（{event.actor_username}）"
    return event.actor_name


# A rule's events recorded its internal key after its name ("学习培训（training）"), which no one reads.
_RULE_KEY = re.compile(r"（[a-z_]+）$")


def target(event):
    if not event.target_type:
        return ""
    label = _RULE_KEY.sub("", event.target_label or "") if event.target_type == "rule" else event.target_label
    return f"{TARGET_LABELS.get(event.target_type, event.target_type)}：{label}"


# an export's query string keys → what the console's filters call them (others are shown as they are;
# tests/test_audit_log.py asks every export the console offers and finds none)
FILTER_LABELS = {
    "q": "关键词", "status": "状态", "station_id": "联络站编号", "region_id": "区域编号", "category": "类别",
    "deputy_region_id": "代表所属区域编号",
    "from": "起始日期", "to": "截止日期", "since": "起始日期", "until": "截止日期", "sort": "排序", "year": "年度",
    "level": "层级", "group": "代表小组", "type": "类型", "active": "在任", "open": "未办结", "overdue": "超期",
    "due_soon": "临期", "supervised": "督办", "held": "待审核", "reopened": "重办", "deputy_id": "代表编号",
    "action": "操作", "who": "账号", "target": "对象", "grade": "评价等次", "theme": "主题", "no_station": "未进驻联络站",
    "past_due_at_department": "待部门反馈·已超期",
}
# the queue's check boxes (value 1 when ticked)
FLAG_FILTERS = frozenset({"open", "overdue", "due_soon", "supervised", "held", "reopened", "active", "no_station",
                          "past_due_at_department"})

# detail values kept as the code's names → what the console calls them
# codes → what the console shows for them: in changes (a station's type, a deputy's level) and in an
# export's filters (the statuses of the item and appointment lists, the log's own action, the order)
VALUE_LABELS = {"kind": STATION_KIND_LABELS, "level": DEPUTY_LEVEL_LABELS,
                "status": STATUS_LABELS | APPOINTMENT_STATUS_LABELS | {"all": "全部"}, "action": ACTION_LABELS,
                "sort": {key: order.label for key, order in LIST_ORDERS.items()}}
# an export whose list has codes of its own for a filter: {export: {key: labels}}
EXPORT_VALUE_LABELS = {"调研清单": {"status": TOPIC_STATUS_LABELS}, "代表名册": {"active": {"all": "全部"}}}


def _value(value, key=None, labels=None):
    labels = VALUE_LABELS if labels is None else labels
    if isinstance(value, str) and value in labels.get(key, ()):
        return labels[key][value]
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(map(str, value)) or "（无）"
    if isinstance(value, dict):
        return "，".join(f"{FILTER_LABELS.get(k, k)}={_filter_value(v, k, labels)}" for k, v in value.items()) or "（无）"
    return str(value)


def _filter_value(value, key, labels):
    if key in FLAG_FILTERS and value in ("1", "0", "true", "false"):
        return "是" if value in ("1", "true") else "否"
    return _value(value, key, labels)


def event_out(event):
    """An event as the API answers it."""
    return {"id": event.id, "at": event.at, "action": event.action, "action_label": event.action_label,
            "actor_user_id": event.actor_user_id, "actor": who(event), "target_type": event.target_type,
            "target_id": event.target_id, "target": target(event), "region_id": event.region_id,
            "client_address": event.client_address, "detail": event.detail or {}, "summary": details(event)}


def details(event):
    """The event's details in one Chinese line: ``姓名：张三 → 张三丰；行数：12``."""
    parts = []
    labels = VALUE_LABELS | EXPORT_VALUE_LABELS.get((event.detail or {}).get("export"), {})
    for key, value in (event.detail or {}).items():
        label = TARGET_FIELD_LABELS.get((event.target_type, key)) or FIELD_LABELS.get(key, key)
        if key == "window" and event.action not in CHANGES and isinstance(value, list) and len(value) == 2:
            value = f"{value[0]} 至 {value[1]}"  # a poll's window: from, to
        if event.action in CHANGES and isinstance(value, list) and len(value) == 2:
            parts.append(f"{label}：{_value(value[0], key, labels)} → {_value(value[1], key, labels)}")
        else:
            parts.append(f"{label}：{_value(value, key, labels)}")
    return "；".join(parts)

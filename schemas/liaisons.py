"""联系清单: the standing committee's members and special committees, the deputies each keeps in touch with
(对口联系) and the contacts made."""
from marshmallow import Schema, ValidationError, fields, validates_schema

from backend.liaisons.models import KIND_LABELS, WAY_LABELS, ContactWay, LiaisonKind

from .common import BodyId, Choice, Id, Items, Line, PageArgs, StrictSchema, Text, YEAR, in_service_years

MAX_BATCH = 500  # deputies assigned or removed in one request


class LiaisonIn(StrictSchema):
    region_id = BodyId(metadata={"description": "the congress (a region the caller administers); by default their own"})
    name = Line(50, required=True, metadata={"description": "王某某, or 教育科学文化卫生委员会"})
    kind = Choice(LiaisonKind, "联系人类型", KIND_LABELS, required=True,
                  metadata={"description": "member 常委会组成人员, committee 专门委员会"})
    title = Line(100, load_default="", metadata={"description": "职务 (free text): 常委会副主任, 主任委员…"})


class LiaisonPatch(StrictSchema):
    name = Line(50, min_length=1)
    kind = Choice(LiaisonKind, "联系人类型", KIND_LABELS)
    title = Line(100)
    active = fields.Boolean(metadata={"description": "false: 停用 (kept with their records, no new ones)"})


class DeputyIdsIn(StrictSchema):
    deputy_ids = fields.List(BodyId(), required=True, validate=Items(min=1, max=MAX_BATCH))


class ContactIn(StrictSchema):
    deputy_id = BodyId(required=True, metadata={"description": "a deputy assigned to this liaison"})
    date = fields.Date(required=True, validate=in_service_years, metadata={"description": "the day (China time), not in the future"})
    way = Choice(ContactWay, "联系方式", WAY_LABELS, required=True,
                 metadata={"description": "visit 走访, talk 座谈, phone 电话, letter 书面, online 网络"})
    summary = Text(500, required=True, metadata={"description": "联系情况"})
    opinions = Text(5000, load_default="", metadata={"description": "代表反映的意见建议 (optional)"})


class LiaisonQuery(PageArgs):
    region_id = Id()
    kind = Choice(LiaisonKind, "联系人类型", KIND_LABELS)
    active = fields.Boolean()
    q = Line(50, metadata={"description": "part of the name or title"})


class SummaryQuery(PageArgs):
    year = fields.Integer(validate=YEAR, metadata={"description": "by default this year (China time)"})
    region_id = Id(metadata={"description": "that region's congress and those below it; by default the caller's"})


class AssignedQuery(PageArgs):
    year = fields.Integer(validate=YEAR, metadata={"description": "the year contacts are counted in; by default this year"})
    uncontacted = fields.Boolean(load_default=False, metadata={
        "description": "only the deputies in office not yet contacted in that year"})


class ContactQuery(PageArgs):
    liaison_id = Id()
    deputy_id = Id()
    date_from = fields.Date(data_key="from", validate=in_service_years, metadata={"description": "起始日期（含）"})
    date_to = fields.Date(data_key="to", validate=in_service_years, metadata={"description": "截止日期（含）"})
    year = fields.Integer(validate=YEAR)

    @validates_schema
    def _in_order(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError({"to": ["截止日期不能早于起始日期。"]})


# --- out ------------------------------------------------------------------------------------------


class LiaisonOut(Schema):
    id = fields.Integer(required=True)
    region_id = fields.Integer(required=True)
    region_name = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    title = fields.String(required=True)
    active = fields.Boolean(required=True)
    deputies = fields.Integer(required=True, metadata={"description": "deputies in office assigned"})


class AssignOut(Schema):
    added = fields.Integer(required=True, metadata={"description": "newly assigned (0 when all were already)"})
    removed = fields.Integer(required=True)
    deputies = fields.Integer(required=True, metadata={"description": "deputies in office assigned now"})


class AssignedDeputyOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    level_label = fields.String(required=True)
    region_name = fields.String(required=True)
    active = fields.Boolean(required=True, metadata={"description": "false: left office (离任)"})
    contacts = fields.Integer(required=True, metadata={"description": "contacts in the year asked"})
    last_contact_date = fields.Date(allow_none=True, required=True)


class ContactOut(Schema):
    id = fields.Integer(required=True)
    liaison_id = fields.Integer(required=True)
    liaison_name = fields.String(required=True)
    deputy_id = fields.Integer(required=True)
    deputy_name = fields.String(required=True)
    date = fields.Date(required=True)
    way = fields.String(required=True)
    way_label = fields.String(required=True)
    summary = fields.String(required=True)
    opinions = fields.String(required=True)
    created_by_name = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class SummaryRowOut(Schema):
    liaison_id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    title = fields.String(required=True)
    region_name = fields.String(required=True)
    active = fields.Boolean(required=True)
    assigned = fields.Integer(required=True, metadata={"description": "deputies in office assigned now"})
    contacted = fields.Integer(required=True, metadata={"description": "of them, those contacted in the year"})
    contacts = fields.Integer(required=True, metadata={"description": "contacts recorded in the year (all)"})
    contact_rate = fields.Float(allow_none=True, required=True, metadata={"description": "contacted ÷ assigned; null for none assigned"})


class SummaryOut(Schema):
    year = fields.Integer(required=True)
    items = fields.List(fields.Nested(SummaryRowOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class MyLiaisonOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    title = fields.String(required=True)
    congress_name = fields.String(required=True, metadata={"description": "怀化市人大常委会"})

"""培训清单: training coverage of a region's deputies, those not yet trained, and 点名调训."""
from marshmallow import Schema, fields

from backend.org.models import DEPUTY_LEVEL_LABELS, DeputyLevel

from .common import BodyId, Choice, Id, PageArgs, QuerySchema, StrictSchema, in_service_years, page_of

_SINCE = {"description": "起始日期（北京时间，含当天）；默认为截止日期所在年份的 1 月 1 日"}
_UNTIL = {"description": "截止日期（北京时间，含当天）；默认为今天，只给出晚于今天的起始日期时默认为该年 12 月 31 日"}


class TrainingQuery(QuerySchema):
    region_id = Id(metadata={"description": "统计的区域（含下级）；默认为本人所管区域"})
    level = Choice(DeputyLevel, "代表层级", DEPUTY_LEVEL_LABELS)
    since = fields.Date(validate=in_service_years, metadata=_SINCE)
    until = fields.Date(validate=in_service_years, metadata=_UNTIL)


class UntrainedQuery(TrainingQuery, PageArgs):
    pass


class SummonIn(StrictSchema):
    """Whom 点名调训 invites: the untrained deputies of this filter, as the coverage counts them."""

    region_id = BodyId(allow_none=True, metadata={"description": "区域（含下级）；默认为本人所管区域"})
    level = Choice(DeputyLevel, "代表层级", DEPUTY_LEVEL_LABELS, allow_none=True)
    since = fields.Date(allow_none=True, validate=in_service_years, metadata=_SINCE)
    until = fields.Date(allow_none=True, validate=in_service_years, metadata=_UNTIL)


class RegionCoverageOut(Schema):
    region_id = fields.Integer(required=True)
    region_name = fields.String(required=True)
    region_level = fields.String()
    own_level = fields.Boolean(metadata={
        "description": "true for the row of the deputies elected in the region itself (本级), not in a child region"})
    deputies = fields.Integer(required=True)
    trained = fields.Integer(required=True)
    untrained = fields.Integer(required=True)
    rate = fields.Float(allow_none=True, metadata={"description": "trained ÷ deputies; null with no deputies"})


class TrainingActivityOut(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    status = fields.String(required=True)
    stage = fields.String(metadata={"description": "planned (未开始), running (进行中), held (已结束，待结单) or closed (已结单)"})
    stage_label = fields.String()
    station_name = fields.String(allow_none=True)
    place = fields.String()
    invited = fields.Integer(required=True, metadata={"description": "deputies on its list, whatever their answer"})
    attended = fields.Integer(required=True, metadata={"description": "deputies checked in (scan or 补签)"})
    manageable = fields.Boolean(required=True, metadata={
        "description": "whether the caller manages the training and may open it; one that another congress holds, "
                       "listed because it invites the caller's deputies, is false"})


class CoverageOut(Schema):
    region_id = fields.Integer(required=True)
    region_name = fields.String()
    level = fields.String(allow_none=True)
    since = fields.Date(required=True)
    until = fields.Date(required=True)
    deputies = fields.Integer(required=True, metadata={
        "description": "deputies in office elected in the region's subtree (of the level), that the caller manages"})
    trained = fields.Integer(required=True, metadata={
        "description": "of them, checked in (scan or 补签) to a training (学习培训) not cancelled that started in the "
                       "period; 结单 not required"})
    untrained = fields.Integer(required=True)
    rate = fields.Float(allow_none=True, metadata={"description": "培训覆盖率 = trained ÷ deputies; null with no deputies"})
    denominators = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "the denominator of each rate: `{rate: deputies}`"})
    by_region = fields.List(fields.Nested(RegionCoverageOut), required=True, metadata={
        "description": "per child region (its subtree), and first a 本级 row when deputies are elected in the region itself"})
    activities = fields.List(fields.Nested(TrainingActivityOut), required=True, metadata={
        "description": "the trainings starting in the period (not cancelled) held in the region's subtree or inviting "
                       "a deputy counted here, soonest first: the first 100"})
    activities_total = fields.Integer(required=True)


class StationBriefOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class UntrainedDeputyOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    level_label = fields.String()
    region_id = fields.Integer()
    region_name = fields.String()
    group = fields.String()
    stations = fields.List(fields.Nested(StationBriefOut))
    phone = fields.String(allow_none=True, metadata={"description": "as the deputy listing shows it to their administrators"})


UntrainedPage = page_of(UntrainedDeputyOut)


class SummonOut(Schema):
    invited = fields.Integer(required=True, metadata={"description": "deputies invited by this summons"})
    participants_total = fields.Integer(required=True)

"""履职评价等次: the grade bands of a congress and the year's evaluation of its deputies."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .common import YEAR, Id, Items, Line, PageArgs, QuerySchema, StrictSchema, page_of

# Thresholds as far as a year's points can go either way (a line is worth at most ±100 a time).
THRESHOLDS = validate.Range(min=-10000, max=10000)


class GradeBandIn(StrictSchema):
    label = Line(8, required=True, metadata={"description": "the grade's name: 好, 较好, 差, 优秀, 称职 …"})
    min_points = fields.Integer(strict=True, allow_none=True, load_default=None, validate=THRESHOLDS, metadata={
        "description": "the lowest total in this band; null for the lowest band alone, which takes every "
                       "total below the band above it (negative totals and deputies without points included)"})


class GradeBandsPut(StrictSchema):
    """A region's set of bands, whole, highest first: 2 to 5 bands with distinct names, thresholds
    strictly decreasing, the last one without a threshold. Fields GET adds about where the set comes
    from may be sent back and are ignored."""

    bands = fields.List(fields.Nested(GradeBandIn), required=True,
                        validate=Items(min=2, max=5, error="评价等次应有 2 到 5 档。"))
    region_id = fields.Raw(allow_none=True, load_only=True, metadata={"description": "ignored"})
    set_by_region_id = fields.Raw(allow_none=True, load_only=True, metadata={"description": "ignored"})
    set_by_region_name = fields.Raw(allow_none=True, load_only=True, metadata={"description": "ignored"})
    inherited = fields.Raw(load_only=True, metadata={"description": "ignored"})

    @validates_schema
    def _a_ladder(self, data, **kwargs):
        bands = data.get("bands") or []
        errors = {}

        def refuse(index, field, message):
            errors.setdefault(index, {}).setdefault(field, []).append(message)

        seen, previous = set(), None
        for index, band in enumerate(bands):
            if band["label"] in seen:
                refuse(index, "label", "等次名称不能重复。")
            seen.add(band["label"])
            last = index == len(bands) - 1
            if last and band["min_points"] is not None:
                refuse(index, "min_points", "最低一档不设分数线：它包括以下的所有积分。")
            elif not last and band["min_points"] is None:
                refuse(index, "min_points", "只有最低一档不设分数线，其余各档都要有分数线。")
            elif band["min_points"] is not None and previous is not None and band["min_points"] >= previous:
                refuse(index, "min_points", "分数线须从高到低排列，低于上一档的分数线。")
            if band["min_points"] is not None:
                previous = band["min_points"]
        if errors:
            raise ValidationError({"bands": errors})


class GradeBandOut(Schema):
    label = fields.String(required=True)
    min_points = fields.Integer(required=True, allow_none=True, metadata={
        "description": "the lowest total in the band; null for the lowest band (everything below)"})


class GradeBandsOut(Schema):
    region_id = fields.Integer(required=True, allow_none=True)
    set_by_region_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "the region whose congress set these bands: the root's for the deployment's default"})
    set_by_region_name = fields.String(required=True, allow_none=True)
    inherited = fields.Boolean(required=True, metadata={
        "description": "true when the bands are in force here because a region above set them"})
    bands = fields.List(fields.Nested(GradeBandOut), required=True)


class GradeBandsQuery(QuerySchema):
    region_id = Id(metadata={"description": "the region whose bands are read or edited; by default the caller's"})


class EvaluationQuery(PageArgs):
    year = fields.Integer(validate=YEAR, metadata={
        "description": "the points year; by default the current one (provisional)"})
    region_id = Id(metadata={"description": "the region whose deputies are graded (its subtree); by default "
                                            "the caller's own region"})
    grade = Line(8, metadata={"description": "only the deputies of this grade (a band's label)"})


class EvaluationDeputyOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    region_name = fields.String(required=True)


class EvaluationRowOut(Schema):
    deputy = fields.Nested(EvaluationDeputyOut, required=True)
    total = fields.Integer(required=True, metadata={"description": "the year's points; 0 without any"})
    grade = fields.String(required=True, metadata={"description": "graded by the bands of the deputy's own region"})
    rank = fields.Integer(required=True, metadata={
        "description": "among the deputies listed (before the grade filter), ties sharing a rank"})
    lowest_last_year = fields.Boolean(required=True, metadata={
        "description": "in the lowest band this year and the year before too (连续两年), both graded by the "
                       "bands in force now"})


class EvaluationPageOut(page_of(EvaluationRowOut)):
    year = fields.Integer(required=True)
    provisional = fields.Boolean(required=True, metadata={
        "description": "true while the year is still running: graded by the points so far (按当前积分)"})
    region_id = fields.Integer(required=True, allow_none=True)
    summary = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "{grade: deputies} over every page, before the grade filter; each grade in force "
                       "in the region, 0 included"})
    grades = fields.List(fields.String(), required=True, metadata={
        "description": "the grades in force in the region and below, highest first"})

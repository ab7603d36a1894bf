from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.org.models import (
    DEPUTY_LEVEL_LABELS,
    REGION_LEVEL_LABELS,
    STATION_KIND_LABELS,
    DeputyLevel,
    RegionLevel,
    StationKind,
)

from .common import BodyId, Choice, Id, Items, Line, PageArgs, QuerySchema, StrictSchema, Text, Trimmed

# A station's GCJ-02 coordinates (the map's, 附近联络站's): in China's bounding box, so that a typo (0/0, a
# dropped digit, Africa) is refused where it is typed rather than break 附近联络站, 导航 and check-in.
CHINA_LAT, CHINA_LNG = (3, 54), (73, 136)
_lat = dict(validate=validate.Range(*CHINA_LAT, error="纬度应在 3 至 54 之间（中国境内，GCJ-02 坐标）。"), allow_none=True)
_lng = dict(validate=validate.Range(*CHINA_LNG, error="经度应在 73 至 136 之间（中国境内，GCJ-02 坐标）。"), allow_none=True)
SWAPPED = "纬度和经度似乎填反了。"
_term = dict(strict=True, allow_none=True, validate=validate.Range(min=1, max=99))
# ASCII digits only: \d would also match full-width and other scripts' digits.
_phone = validate.Regexp(r"^1[0-9]{10}$", error="手机号应为 11 位数字，以 1 开头。")


# --- regions ---------------------------------------------------------------------------------


class RegionIn(StrictSchema):
    name = Line(100, required=True)
    level = Choice(RegionLevel, "区域层级", REGION_LEVEL_LABELS, required=True)
    parent_id = BodyId(allow_none=True)


class RegionPatch(StrictSchema):
    name = Line(100, min_length=1)  # not blanked: a region without a name is in every drop-down
    level = Choice(RegionLevel, "区域层级", REGION_LEVEL_LABELS)


class RegionOut(Schema):
    id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    full_name = fields.String()


class RegionLevels(fields.String):
    """``levels=county,township`` in a query string: one level or several, each once."""

    default_error_messages = {"invalid": "区域级别应为 province（省）、city（市）、county（县、区）、township（乡镇、街道）、"
                                         "village（村、社区），多个以英文逗号分隔。"}

    def _deserialize(self, value, attr, data, **kwargs):
        parts = str(value).split(",")
        if any(part not in RegionLevel.__members__ for part in parts):
            raise self.make_error("invalid")
        return sorted(set(parts), key=list(RegionLevel.__members__).index)


class RegionQuery(PageArgs):
    parent_id = Id()
    q = Text(100)
    levels = RegionLevels(metadata={"description": "only these levels, comma-separated: province, city, county, "
                                                   "township, village (the regions with a people's congress: "
                                                   "province,city,county,township)"})
    congress = fields.Boolean(metadata={
        "description": "true: only the regions with a people's congress — province, city, county and the townships "
                       "(乡、镇) other than 街道 (a 街道, named …街道, has an 人大工委 of the district's congress, no "
                       "congress of its own); with levels=, those of the levels asked"})
    around = Id(metadata={"description": "a region: it and the regions above it first, nearest first, then the "
                                         "others by how near they are in the tree (a sibling before a cousin), the "
                                         "higher levels first at each distance; otherwise tree order"})


# --- stations --------------------------------------------------------------------------------


class StationPlace(Schema):
    """Coordinates typed the wrong way round (lat 109.98, lng 27.55) are told as such."""

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def swapped(self, data, original, **kwargs):
        lat, lng = (original.get(key) if isinstance(original, dict) else None for key in ("lat", "lng"))
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lng)) and \
                CHINA_LAT[0] <= lng <= CHINA_LAT[1] and CHINA_LNG[0] <= lat <= CHINA_LNG[1]:
            raise ValidationError(SWAPPED, "lat")


class StationIn(StationPlace, StrictSchema):
    name = Line(100, required=True)
    kind = Choice(StationKind, "联络站类型", STATION_KIND_LABELS, required=True)
    region_id = BodyId(required=True)
    address = Text(255, load_default="")
    lat = fields.Float(**_lat)
    lng = fields.Float(**_lng)
    open_hours = Text(255, load_default="")
    description = Text(2000, load_default="")
    admin_user_ids = fields.List(BodyId(), validate=Items(max=50))
    deputy_ids = fields.List(BodyId(), validate=Items(max=2000))


class StationPatch(StationPlace, StrictSchema):
    name = Line(100)
    kind = Choice(StationKind, "联络站类型", STATION_KIND_LABELS)
    region_id = BodyId()
    address = Text(255)
    lat = fields.Float(**_lat)
    lng = fields.Float(**_lng)
    open_hours = Text(255)
    description = Text(2000)
    admin_user_ids = fields.List(BodyId(), validate=Items(max=50))
    deputy_ids = fields.List(BodyId(), validate=Items(max=2000))
    closed = fields.Boolean(metadata={"description": "停用 (true) or 重新启用 (false), region administrators only; "
                                                     "closing is refused (409) while suggestions wait at the station "
                                                     "for dispatch, activities there have not ended, or requests "
                                                     "to meet a deputy there await an answer or a meeting to come"})


class StationOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String()
    region_id = fields.Integer(required=True)
    region_name = fields.String()
    address = fields.String()
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    open_hours = fields.String()
    description = fields.String()
    deputy_ids = fields.List(fields.Integer())
    admin_user_ids = fields.List(fields.Integer())
    qr_code = fields.String(allow_none=True)
    closed = fields.Boolean(metadata={"description": "停用: in no public list, its code answers 410 station_closed"})
    closed_at = fields.DateTime(attribute="closed_dt", allow_none=True)
    distance_m = fields.Integer(allow_none=True, metadata={"description": "only with ?near=: great-circle metres "
                                                                          "from that point; null without coordinates"})


class LatLng(fields.String):
    """``near=lat,lng`` in a query string."""

    default_error_messages = {"invalid": "坐标格式应为“纬度,经度”，例如 27.55,109.98。"}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            lat, lng = (float(part) for part in str(value).split(","))
        except ValueError:
            raise self.make_error("invalid") from None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise self.make_error("invalid")
        return lat, lng


class StationExportQuery(QuerySchema):
    """The station list's filters, as GET /stations/export takes them (the list adds paging, ``near`` and
    ``managed``)."""

    region_id = Id()
    kind = Choice(StationKind, "联络站类型", STATION_KIND_LABELS)
    q = Text(100)
    closed = fields.Boolean(metadata={"description": "only closed (true) or open (false) stations; without it, both"})


class StationQuery(StationExportQuery, PageArgs):
    near = LatLng(metadata={"description": "lat,lng — nearest first, each station with its `distance_m` (great-circle "
                                           "metres), the list in the order of those figures; stations without "
                                           "coordinates last. GCJ-02, as stations' coordinates are kept (China's maps; "
                                           "wx.getLocation with type gcj02), which outside China is plain GPS: a point "
                                           "abroad is answered as well, nearest first, thousands of kilometres away"})
    managed = fields.Boolean(metadata={"description": "only the stations the caller administers"})
    closed = fields.Boolean(metadata={"description": "administrators with managed: only closed (true) or open (false) "
                                                     "stations; every other list shows open stations only"})


# --- deputies --------------------------------------------------------------------------------


class DeputyIn(StrictSchema):
    name = Line(50, required=True)
    level = Choice(DeputyLevel, "代表层级", DEPUTY_LEVEL_LABELS, required=True)
    region_id = BodyId(required=True)
    term = fields.Integer(**_term)
    group = Line(100, load_default="")
    phone = Trimmed(allow_none=True, validate=_phone)
    active = fields.Boolean(load_default=True)
    bio = Text(2000, load_default="")
    station_ids = fields.List(BodyId(), validate=Items(max=50))


class DeputyPatch(StrictSchema):
    name = Line(50, min_length=1)
    level = Choice(DeputyLevel, "代表层级", DEPUTY_LEVEL_LABELS)
    region_id = BodyId()
    term = fields.Integer(**_term)
    group = Line(100)
    phone = Trimmed(allow_none=True, validate=_phone)
    active = fields.Boolean()
    bio = Text(2000)
    station_ids = fields.List(BodyId(), validate=Items(max=50))


class DeputyPublicOut(Schema):
    """What anyone may see of a deputy: no phone, nothing private."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    level_label = fields.String()
    region_id = fields.Integer()
    region_name = fields.String()
    group = fields.String()
    term = fields.Integer(allow_none=True)
    bio = fields.String()
    station_ids = fields.List(fields.Integer())
    qr_code = fields.String(allow_none=True)


class DeputyOut(DeputyPublicOut):
    """An administrator's view of a deputy in their scope."""

    phone = fields.String(allow_none=True)
    active = fields.Boolean()


class DeputyExportQuery(QuerySchema):
    """The deputy list's filters, as GET /deputies/export takes them (the list adds paging and ``managed``)."""

    region_id = Id()
    station_id = Id()
    level = Choice(DeputyLevel, "代表层级", DEPUTY_LEVEL_LABELS)
    group = Text(100)
    q = Text(50)
    active = fields.Boolean()


class DeputyQuery(DeputyExportQuery, PageArgs):
    managed = fields.Boolean(metadata={"description": "only the deputies the caller administers"})


class DeputyImportIn(Schema):
    file = Upload(required=True, metadata={"description": "代表名册：.xlsx，或 .csv（UTF-8 或 GBK）"})


class StationImportIn(Schema):
    file = Upload(required=True, metadata={"description": "联络站名单：.xlsx，或 .csv（UTF-8 或 GBK）"})


class ImportRowError(Schema):
    row = fields.Integer(required=True)
    field = fields.String(required=True)
    message = fields.String(required=True)


class ImportResultOut(Schema):
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    errors = fields.List(fields.Nested(ImportRowError), required=True)
    notices = fields.List(fields.Nested(ImportRowError), metadata={
        "description": "导入中顺带做的事（为未登记手机号的同名代表补填手机号；跳过表格中隐藏的行，"
                       "此条 field 为空、row 为第一个隐藏行），逐条说明；没有时不返回"})

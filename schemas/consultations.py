"""立法意见征集: consultations on draft local regulations, their articles, opinions and feedback."""
from marshmallow import Schema, ValidationError, fields, post_load, validates, validates_schema

from backend.consultations.articles import NoArticles, cut_articles, split_articles
from backend.consultations.models import (
    CONSULTATION_STATUS_LABELS, FEEDBACK_LABELS, OPINION_KIND_LABELS, Feedback, OpinionKind,
)

from .common import BodyId, Choice, Id, Line, OneOfLabelled, PageArgs, StrictSchema, Text, in_service_years
from .suggestions import ContactPhone

MAX_TEXT = 200000


def _window(data):
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise ValidationError({"ends_at": ["征集结束时间须晚于开始时间。"]})


def _articles(data):
    """The pasted ``text`` cut into articles (``data["articles"]``), and what was left out at its end
    (``data["text_left_out"]``: the draft's 说明); ``_cuttable`` has checked it."""
    if "text" in data:
        data["articles"], data["text_left_out"] = cut_articles(data.pop("text"))
    return data


def _cuttable(value):
    """Validator of ``text``: refused, saying why, when it cannot be cut into articles (checked with the
    other fields, so that a form is told every mistake at once)."""
    try:
        split_articles(value)
    except NoArticles as exc:
        raise ValidationError(str(exc)) from None


class _Draft(StrictSchema):
    """What a new draft and a draft's changes share: its window in order, its text cut into articles."""

    @validates_schema
    def _a_window(self, data, **kwargs):
        _window(data)

    @validates("text")
    def _a_text(self, value, **kwargs):
        _cuttable(value)

    @post_load
    def _cut(self, data, **kwargs):
        return _articles(data)


class ConsultationIn(_Draft):
    region_id = BodyId(metadata={"description": "the congress (a province or a city the caller administers); "
                                               "by default their own region"})
    title = Line(100, required=True, metadata={"description": "《怀化市城市绿化条例（草案）》"})
    summary = Text(5000, load_default="", metadata={"description": "起草说明"})
    text = Text(MAX_TEXT, required=True, metadata={"description": "the draft's full text, cut into articles on "
                                                                  "the 第X条 that start its lines"})
    starts_at = fields.AwareDateTime(required=True, format="iso", validate=in_service_years)
    ends_at = fields.AwareDateTime(required=True, format="iso", validate=in_service_years)


class ConsultationPatch(_Draft):
    """While a draft: only the fields sent change; ``text`` replaces every article."""

    title = Line(100, min_length=1)
    summary = Text(5000)
    text = Text(MAX_TEXT, min_length=1)
    starts_at = fields.AwareDateTime(format="iso", validate=in_service_years)
    ends_at = fields.AwareDateTime(format="iso", validate=in_service_years)


class OpinionIn(StrictSchema):
    article_id = BodyId(allow_none=True, load_default=None,
                        metadata={"description": "one of the draft's articles; none: on the draft as a whole"})
    content = Text(2000, required=True)
    contact_phone = ContactPhone(allow_none=True, load_default=None,
                                 metadata={"description": "shown to the congress's administrators only"})


class OpinionFeedbackIn(StrictSchema):
    result = Choice(Feedback, "办理结果", FEEDBACK_LABELS, required=True, metadata={"description": "adopted 采纳, partly 部分采纳, declined 未采纳"})
    note = Text(500, load_default="")


class ConsultationQuery(PageArgs):
    status = fields.String(validate=OneOfLabelled("征集状态", CONSULTATION_STATUS_LABELS))
    region_id = Id()


class OpinionQuery(PageArgs):
    article_id = Id()
    kind = Choice(OpinionKind, "意见来源", OPINION_KIND_LABELS)


class MyOpinionQuery(PageArgs):
    consultation_id = Id()


class PublicConsultationQuery(PageArgs):
    region_id = Id(metadata={"description": "a region: the open consultations of its congress and those above it"})
    station_id = Id(metadata={"description": "a station: those of its region's congresses (one of the two)"})

    @validates_schema
    def _one_place(self, data, **kwargs):
        if ("region_id" in data) == ("station_id" in data):
            raise ValidationError({"region_id": ["请指定地区（region_id）或联络站（station_id）之一。"]})


# --- out ------------------------------------------------------------------------------------------


class ArticleOut(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True, metadata={"description": "第一条"})
    text = fields.String(required=True)


class CountedArticleOut(ArticleOut):
    opinions = fields.Integer(required=True, metadata={"description": "how many opinions name it"})


class PublicConsultationListOut(Schema):
    id = fields.Integer(required=True)
    region_id = fields.Integer(required=True)
    region_name = fields.String(required=True)
    congress_name = fields.String(required=True, metadata={"description": "怀化市人大常委会"})
    title = fields.String(required=True)
    summary = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True, metadata={
        "description": "by the window: 草稿, 尚未开始 (published, not begun), 征集中, 已结束 (closed or its window over)"})
    accepting = fields.Boolean(required=True, metadata={"description": "opinions may be given now"})
    phase = fields.String(required=True, metadata={
        "description": "draft, upcoming (published, not started), accepting, or ended (closed or window over)"})
    phase_label = fields.String(required=True, metadata={"description": "草稿 / 尚未开始 / 正在征求意见 / 已结束"})


class PublicConsultationOut(PublicConsultationListOut):
    articles = fields.List(fields.Nested(ArticleOut), required=True)


class ConsultationListOut(PublicConsultationListOut):
    opinions = fields.Integer(required=True)


class ConsultationOut(ConsultationListOut):
    opened_at = fields.DateTime(allow_none=True, required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    general_opinions = fields.Integer(required=True, metadata={"description": "opinions on the draft as a whole"})
    articles = fields.List(fields.Nested(CountedArticleOut), required=True)
    text_left_out = fields.String(allow_none=True, required=True, metadata={
        "description": "what the cut of the pasted text that made the articles left out, in Chinese (the draft's "
                       "说明 after its articles: 第N行“关于《…》的说明”起的文字不是条文…; or its signature, 落款、日期), "
                       "else null; kept with the consultation (every administrator's answer)"})


class OpinionOut(Schema):
    id = fields.Integer(required=True)
    consultation_id = fields.Integer(required=True)
    consultation_title = fields.String(required=True)
    article_id = fields.Integer(allow_none=True, required=True)
    article_number = fields.String(allow_none=True, required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    author_name = fields.String(allow_none=True, metadata={"description": "administrators only: a deputy's name"})
    content = fields.String(required=True)
    contact_phone = fields.String(allow_none=True, metadata={"description": "administrators only"})
    created_at = fields.DateTime(required=True)
    feedback = fields.String(allow_none=True, required=True)
    feedback_label = fields.String(allow_none=True, required=True)
    feedback_note = fields.String(required=True)
    feedback_at = fields.DateTime(allow_none=True, required=True)

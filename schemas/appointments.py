from marshmallow import Schema, fields

from backend.appointments.models import APPOINTMENT_STATUS_LABELS, AppointmentStatus

from .common import BodyId, Choice, Id, in_service_years, Line, OneOfLabelled, PageArgs, StrictSchema, Text
from .suggestions import ContactPhone



class AppointmentIn(StrictSchema):
    qr_code = Text(32, required=True)
    topic = Text(500, required=True, metadata={"description": "what the citizen wants to talk about"})
    contact_phone = ContactPhone(required=True)
    name = Line(20, load_default="", metadata={"description": "how to address the citizen, e.g. 王先生"})
    activity_id = BodyId(allow_none=True, metadata={"description": "a reception day (接待选民) from the plan"})
    preferred_time = Text(100, load_default="", metadata={"description": "required without activity_id"})


class ConfirmIn(StrictSchema):
    meet_at = fields.AwareDateTime(required=True, format="iso", validate=in_service_years)
    place = Text(255, metadata={"description": "omitted or blank: at 改约 the place agreed, else the reception "
                                               "day's or the station's"})
    note = Text(500, metadata={"description": "omitted: at 改约 the note agreed, else none; blank clears it"})


class AppointmentReasonIn(StrictSchema):
    reason = Text(500, required=True)


class AppointmentNoteIn(StrictSchema):
    note = Text(500, load_default="")


class AppointmentQuery(PageArgs):
    scope = fields.String(validate=OneOfLabelled("范围", {"mine": "我提出的", "handling": "约见我或本人经办的"}))
    status = Choice(AppointmentStatus, "约见状态", APPOINTMENT_STATUS_LABELS)
    station_id = Id(metadata={"description": "scope handling, for an administrator who is not a deputy: a station "
                                             "outside the caller's scope: 404, as one that does not exist"})


class _Brief(Schema):
    id = fields.Integer()
    name = fields.String()


class _ReceptionDay(Schema):
    id = fields.Integer()
    title = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    place = fields.String()
    status = fields.String(metadata={"description": "the reception day's: published, or cancelled (取消活动) "
                                                    "since it was chosen; closed once held"})
    status_label = fields.String()


class AppointmentOut(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    topic = fields.String()
    name = fields.String()
    contact_phone = fields.String(metadata={"description": "to the citizen and to those who answer"})
    preferred_time = fields.String()
    deputy = fields.Nested(_Brief, allow_none=True)
    station = fields.Nested(_Brief, allow_none=True)
    activity = fields.Nested(_ReceptionDay, allow_none=True)
    meet_at = fields.DateTime(allow_none=True)
    place = fields.String()
    answer = fields.String(metadata={"description": "the confirmation's note, or why it was declined or cancelled"})
    answered_by = fields.String(allow_none=True, metadata={"description": "who answered, for those who answer"})
    answered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    actions = fields.List(fields.String(), metadata={
        "description": "what the caller may do now: confirm, decline, complete (the deputy, the station's staff), "
                       "cancel (the citizen)"})

from marshmallow import Schema, fields


class ReceptionDayOut(Schema):
    id = fields.Integer(required=True)
    title = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    when = fields.String(metadata={"description": "e.g. 5月6日（周三） 09:00–12:00, China time"})
    station = fields.String(metadata={"description": "the station's name"})
    station_id = fields.Integer(allow_none=True)
    place = fields.String()
    deputies = fields.List(fields.String(), metadata={
        "description": "the receiving deputies' names: the first 12 (by the roster's order) when more receive"})
    deputies_total = fields.Integer(metadata={
        "description": "how many deputies receive in all (more than `deputies` names when over 12: "
                       "shown as 等 N 位代表)"})


class QRResolveOut(Schema):
    kind = fields.String(required=True, metadata={"description": "deputy | station | activity"})
    code = fields.String(required=True)
    url = fields.String(required=True)
    target = fields.Dict(required=True, metadata={
        "description": "the target's public profile. A station's names its deputies in office (进站代表) in "
                       "`deputies` ({id, name, level, level_label}) and `deputy_ids`: the first 20 in the "
                       "roster's order when more are received, all of them counted in `deputies_total` "
                       "(the whole roster, paged and searchable by name: GET /deputies?station_id=&q=). "
                       "A deputy's names their stations in `stations` ({id, name, address})"})
    actions = fields.List(fields.String(), required=True)
    reception_days = fields.List(fields.Nested(ReceptionDayOut), metadata={
        "description": "deputy and station codes: upcoming 接待选民 days (接待计划), soonest first; "
                       "an id is what POST /appointments takes as activity_id"})


class QRIssuedOut(Schema):
    qr_code = fields.String(required=True)
    url = fields.String(required=True)


class QRRevokedOut(Schema):
    qr_code = fields.String(required=True)
    revoked = fields.Boolean(required=True)

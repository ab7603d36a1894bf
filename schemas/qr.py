from marshmallow import Schema, fields


class QRResolveOut(Schema):
    kind = fields.String(required=True, metadata={"description": "deputy | station | activity"})
    code = fields.String(required=True)
    url = fields.String(required=True)
    target = fields.Dict(required=True, metadata={"description": "the target's public profile"})
    actions = fields.List(fields.String(), required=True)


class QRIssuedOut(Schema):
    qr_code = fields.String(required=True)
    url = fields.String(required=True)


class QRRevokedOut(Schema):
    qr_code = fields.String(required=True)
    revoked = fields.Boolean(required=True)

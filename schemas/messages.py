"""Chinese default messages for every marshmallow field and validator the API uses.

Users read validation errors on their phones; they must be Simplified Chinese whatever the field.
"""
from marshmallow import Schema, fields, validate

Schema._default_error_messages = {"type": "数据格式不正确，应为对象。", "unknown": "不支持的字段。"}

fields.Field.default_error_messages = {
    "required": "此项为必填项。",
    "null": "此项不能为空。",
    "validator_failed": "取值无效。",
}
fields.String.default_error_messages = {"invalid": "应为文本。", "invalid_utf8": "文本编码无效。"}
fields.Number.default_error_messages = {"invalid": "应为数字。", "too_large": "数字过大。"}
fields.Integer.default_error_messages = {"invalid": "应为整数。"}
fields.Float.default_error_messages = {"special": "不允许特殊数值（NaN 或无穷大）。"}
fields.Boolean.default_error_messages = {"invalid": "应为布尔值（true 或 false）。"}
fields.DateTime.default_error_messages = {
    "invalid": "日期时间格式不正确，应为 ISO 8601 格式。",
    "invalid_awareness": "日期时间格式不正确，请带上时区。",
    "format": "日期时间无法格式化。",
}
fields.Date.default_error_messages = {
    "invalid": "日期格式不正确，应为 YYYY-MM-DD。",
    "format": "日期无法格式化。",
}
fields.List.default_error_messages = {"invalid": "应为列表。"}
fields.Nested.default_error_messages = {"type": "数据格式不正确，应为对象。"}
fields.Dict.default_error_messages = {"invalid": "应为对象。"}

validate.Length.message_min = "长度不能少于 {min} 个字符。"
validate.Length.message_max = "长度不能超过 {max} 个字符。"
validate.Length.message_all = "长度应在 {min} 到 {max} 个字符之间。"
validate.Length.message_equal = "长度应为 {equal} 个字符。"
validate.Range.message_gt = "大于"
validate.Range.message_gte = "大于或等于"
validate.Range.message_lt = "小于"
validate.Range.message_lte = "小于或等于"
validate.Range.message_min = "应{min_op} {{min}}。"
validate.Range.message_max = "应{max_op} {{max}}。"
validate.Range.message_all = "应{min_op} {{min}} 且{max_op} {{max}}。"
validate.OneOf.default_message = "取值应为以下之一：{choices}。"
validate.Regexp.default_message = "格式不正确。"

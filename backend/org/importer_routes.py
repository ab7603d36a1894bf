"""POST /api/v1/deputies/import: the deputy base from a spreadsheet (contract: Organisation)."""

from werkzeug.exceptions import RequestEntityTooLarge

from schemas.common import ErrorSchema
from schemas.org import DeputyImportIn, ImportResultOut

from ..auth.scope import admin_required, current_user
from ..errors import api_error_response
from ..extensions import Blueprint
from . import importer

blp = Blueprint("deputy_import", __name__, url_prefix="/api/v1/deputies", description="代表信息库导入")


@blp.errorhandler(RequestEntityTooLarge)
def file_too_large(exc):
    return api_error_response(importer.too_large())


@blp.post("/import")
@admin_required
@blp.arguments(DeputyImportIn, location="files")
@blp.response(200, ImportResultOut)
@blp.alt_response(413, schema=ErrorSchema, description="文件超过大小上限（payload_too_large）")
@blp.alt_response(415, schema=ErrorSchema, description="不是 .xlsx 或 .csv 文件（unsupported_media）")
def import_deputies(files):
    """导入代表名册（.xlsx 或 .csv）：按手机号新增或更新本辖区的代表，逐行报告有误的行。

    列：姓名、层级、所属区域、手机号（必填），联络站、代表小组、届次、状态（选填）。
    联络站管理员导入的是进驻本站的代表：每行须填写本人管理的联络站（只管一个站时可不填），
    所属区域须包含该站，已登记代表的所属区域不能在此修改。
    """
    user, upload = current_user(), files["file"]
    return importer.import_deputies(importer.Scope.of_user(user), upload.read(), actor=user,
                                    file_name=upload.filename or "")

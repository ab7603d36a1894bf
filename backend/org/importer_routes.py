"""POST /api/v1/deputies/import and /api/v1/stations/import: the deputy base and the liaison stations from a
spreadsheet (contract: Organisation)."""

from werkzeug.exceptions import RequestEntityTooLarge

from schemas.common import ErrorSchema
from schemas.org import DeputyImportIn, ImportResultOut, StationImportIn

from ..auth.scope import admin_required, current_user
from ..errors import api_error_response
from ..extensions import Blueprint
from . import importer, station_importer

blp = Blueprint("deputy_import", __name__, url_prefix="/api/v1/deputies", description="代表信息库导入")
station_blp = Blueprint("station_import", __name__, url_prefix="/api/v1/stations", description="联络站导入")


def file_too_large(exc):
    return api_error_response(importer.too_large())


for _blueprint in (blp, station_blp):
    _blueprint.errorhandler(RequestEntityTooLarge)(file_too_large)


def _documented(blueprint, schema):
    """The shape both imports share: an uploaded file in, the counts and the refused rows out."""
    def decorate(view):
        for decorator in reversed((
            admin_required,
            blueprint.arguments(schema, location="files"),
            blueprint.response(200, ImportResultOut),
            blueprint.alt_response(413, schema=ErrorSchema, description="文件超过大小上限（payload_too_large）"),
            blueprint.alt_response(415, schema=ErrorSchema, description="不是 .xlsx 或 .csv 文件（unsupported_media）"),
        )):
            view = decorator(view)
        return blueprint.post("/import")(view)
    return decorate


@_documented(blp, DeputyImportIn)
def import_deputies(files):
    """导入代表名册（.xlsx 或 .csv）：按手机号新增或更新本辖区的代表，逐行报告有误的行。

    列：姓名、层级、所属区域、手机号（必填），联络站、代表小组、届次、状态（选填）。
    联络站管理员导入的是进驻本站的代表：每行须填写本人管理的联络站（只管一个站时可不填），
    所属区域须包含该站，已登记代表的所属区域不能在此修改。
    """
    user, upload = current_user(), files["file"]
    return importer.import_deputies(importer.Scope.of_user(user), upload.read(), actor=user,
                                    file_name=upload.filename or "")


@_documented(station_blp, StationImportIn)
def import_stations(files):
    """导入联络站（.xlsx 或 .csv）：按所属区域和名称新增或更新本辖区的联络站，逐行报告有误的行。

    列：联络站名称、所属区域、类型（必填），地址、纬度、经度、开放时间（选填）。每行按新建联络站
    （POST /api/v1/stations）的规则检查：所属区域须在本人管理范围内，经纬度须在中国境内、同时填写或同时留空。
    新建的联络站生成二维码；已有联络站只更新表格中填写且不同的项，同一文件重复导入不会产生变化。
    只有区域管理员可以导入联络站（联络站管理员 403）。
    """
    user, upload = current_user(), files["file"]
    return station_importer.import_stations(station_importer.scope_of(user), upload.read(), actor=user,
                                            file_name=upload.filename or "")

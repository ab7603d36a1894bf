"""Every console export of a list goes through ``backend.console.exports.Export``, which caps its sheets at
MAX_EXPORT_ROWS and says so in the file and in the 操作日志 entry: a new export cannot send a silently
truncated spreadsheet."""
import inspect
import re
import sys

# Downloads that are not a capped list: one deputy's own archive, the import templates, and the posters'
# zip, refused (not cut short) past its limit.
NOT_LISTS = {"console.deputy_archive_xlsx", "console.posters_zip", "console.deputy_import_template",
             "console.station_import_template", "console.admin_import_template", "points.deputy_archive"}


def _source(view):
    """The view's source, and that of each ``…_export(`` helper it builds its sheet with (the API's and the
    console's 管理员名单 share one), found among the backend's modules."""
    source = inspect.getsource(inspect.unwrap(view))
    for name in set(re.findall(r"\b(\w+_export)\(", source)):
        helpers = {getattr(module, name) for module_name, module in list(sys.modules.items())
                   if module_name.startswith("backend.") and callable(getattr(module, name, None))}
        source += "".join(inspect.getsource(helper) for helper in helpers)
    return source


def test_every_spreadsheet_export_route_goes_through_the_capping_helper(app):
    exports = {}
    for rule in app.url_map.iter_rules():
        source = _source(app.view_functions[rule.endpoint])
        if rule.rule.endswith((".xlsx", "/export")) or "record_export(" in source or "Workbook(" in source:
            exports[rule.endpoint] = source
    listed = sorted(set(exports) - NOT_LISTS)
    assert len(listed) >= 11, listed  # the queue, 约见, statistics, leaderboard, 联系清单, 未参训, 调研, 述职测评, 日志, 立法意见, 评价
    for endpoint in listed:
        source = exports[endpoint]
        assert "Export(" in source and ".send(" in source, endpoint
        assert not any(bypass in source for bypass in ("record_export(", "Workbook(", "send_file(")), endpoint
    for endpoint in set(exports) & NOT_LISTS:
        assert "Export(" not in exports[endpoint]

"""``flask --app backend ...`` commands for operators."""
import contextlib
import functools
import logging
import os
import re
import signal
import sys
import threading
import time
from datetime import date, datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import event, select
from sqlalchemy.exc import DBAPIError

from .db_types import CHINA
from .extensions import db


# click's own usage errors, said in Chinese: the few messages its parameter types give (8.x wording).
_CLICK_MESSAGES = (
    (re.compile(r"^'(.*)' is not a valid integer( range)?\.$", re.S), "“{0}”不是整数。"),
    (re.compile(r"^'(.*)' is not a valid float( range)?\.$", re.S), "“{0}”不是数字。"),
    (re.compile(r"^'(.*)' is not (?:one of )?(.*)\.$", re.S), "“{0}”不是可选的值（可选：{1}）。"),
    (re.compile(r"^(.*) is not in the range (.*)\.$", re.S), "{0} 不在范围 {1} 内。"),
)


def _chinese(exc):
    """The Chinese line for click's UsageError ``exc``."""
    if isinstance(exc, click.MissingParameter):
        hint = exc.param.get_error_hint(exc.ctx).replace("'", "") if exc.param else ""
        return f"缺少{'参数' if isinstance(exc.param, click.Argument) else '选项'} {hint}。"
    if isinstance(exc, click.BadParameter):
        message = exc.message
        for pattern, chinese in _CLICK_MESSAGES:
            if match := pattern.match(message):
                message = chinese.format(*match.groups())
                break
        hint = exc.param_hint or (exc.param.get_error_hint(exc.ctx) if exc.param else None)
        hint = " / ".join(hint) if isinstance(hint, (list, tuple)) else hint
        hint = hint and hint.replace("'", "")
        return f"{hint} 的值无效：{message}" if hint else f"值无效：{message}"
    if isinstance(exc, click.NoSuchOption):
        return f"没有选项 {exc.option_name}。"
    if match := re.match(r"^Got unexpected extra arguments? \((.*)\)$", exc.message):
        return f"多余的参数：{match.group(1)}。"
    return exc.message


class _ChineseFormatter(click.HelpFormatter):
    """--help's headings in Chinese: 用法： for Usage:, and click's section names."""
    SECTIONS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}

    def write_usage(self, prog, args="", prefix=None):
        super().write_usage(prog, args, prefix="用法：" if prefix is None else prefix)

    def section(self, name):
        return super().section(self.SECTIONS.get(name, name))

    def write_heading(self, heading):
        # click writes "{heading}:"; a Chinese heading takes the full-width colon
        self.write(f"{'':>{self.current_indent}}{heading}：\n")


class _ChineseContext(click.Context):
    formatter_class = _ChineseFormatter


class _Chinese:
    """Our commands' usage errors and --help in Chinese (§2.4: every command explains itself in Chinese).
    ``usage_exit_code``: the import commands say 1 for a usage error, since their 2 means "some rows refused"."""
    context_class = _ChineseContext

    def __init__(self, *args, usage_exit_code=2, **kwargs):
        super().__init__(*args, **kwargs)
        self.usage_exit_code = usage_exit_code

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else info_name
            error = click.ClickException(f"{_chinese(exc)}\n运行 {command} --help 查看说明。")
            error.exit_code = self.usage_exit_code
            raise error from None

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本说明后退出。"
        return option


class Command(_Chinese, click.Command):
    pass


class Group(_Chinese, click.Group):
    command_class = Command


def command(name, **kwargs):
    return click.command(name, cls=Command, **kwargs)


def register_cli(app):
    app.cli.add_command(create_region_command)
    app.cli.add_command(regions_command)
    app.cli.add_command(rename_region_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(set_password_command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(sweep_command)
    app.cli.add_command(wechat_check_command)
    app.cli.add_command(import_deputies_command)
    app.cli.add_command(import_stations_command)
    app.cli.add_command(import_admins_command)
    app.cli.add_command(workdays_command)


def needs_database(command):
    """Run ``command`` only on a database that is reachable and migrated to this version of the code:
    otherwise one line says what to do, rather than a traceback from the first query (cron mails those)."""

    @functools.wraps(command)
    @with_appcontext
    def checked(*args, **kwargs):
        from .schema_check import code_revisions, database_revision

        head, known = code_revisions(current_app)
        try:
            current = database_revision()
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else exc.__class__.__name__
            raise click.ClickException(f"无法连接数据库（DATABASE_URL）：{reason}") from None
        if current is None:
            raise click.ClickException("数据库尚未建表：请先运行 flask --app backend db upgrade。")
        if current != head:
            if current not in known:
                raise click.ClickException(f"数据库的版本 {current} 比本程序新（程序最高为 {head}）：请部署与数据库相符的程序版本。")
            raise click.ClickException(
                f"数据库还没有升级到本版本（数据库 {current}，程序需要 {head}）：请先运行 flask --app backend db upgrade。"
            )
        return command(*args, **kwargs)

    return checked


REGION_LEVELS = ("province", "city", "county", "township", "village")
PASSWORD_HELP = "（10 至 128 位，不能过于简单或包含用户名）；不写则在终端提示输入两次且不回显：写在命令行上的密码会出现在进程列表（ps）和命令历史中"


def asked_password(given, nothing_done):
    """The password given with --password, or else typed at the prompt: not echoed, and twice."""
    if given is not None:
        return given
    password = click.prompt("密码", hide_input=True, prompt_suffix="：")
    if click.prompt("再次输入密码", hide_input=True, prompt_suffix="：") != password:
        raise click.ClickException(f"两次输入的密码不一致，{nothing_done}。")
    return password


@contextlib.contextmanager
def _refused_as_click_error():
    """A region step the service refuses (a twin, a level not below its parent's or above a child's) ends
    the command with the service's sentences."""
    from .errors import APIError

    try:
        yield
    except APIError as exc:
        said = [message for messages in (exc.errors or {}).values() for message in messages]
        raise click.ClickException("；".join(said) or exc.message) from exc


@command("create-region")
@click.argument("name")
@click.option("--level", required=True, type=click.Choice(REGION_LEVELS),
              help="区域层级：province 省、city 市、county 县（区）、township 乡镇（街道）、village 村（社区）")
@click.option("--parent", "parent_id", type=int,
              help="上级区域的 id（用 regions 命令查看）；不写则创建根区域（只能有一个）")
@needs_database
def create_region_command(name, level, parent_id):
    """创建区域：先创建根区域（本系统服务的人大），再逐级创建下级区域。"""
    from marshmallow import ValidationError

    from schemas.org import RegionIn

    from .org.models import REGION_LEVEL_LABELS, Region
    from .org.services import create_region, record_region_created, root_region

    try:
        data = RegionIn().load({"name": name, "level": level, "parent_id": parent_id})
    except ValidationError as exc:
        raise click.BadParameter("；".join(exc.messages.get("name", [])) or str(exc.messages), param_hint="NAME") from None
    if parent_id is None:
        if (root := root_region()) is not None:
            raise click.ClickException(f"已有根区域 {root.name}（id={root.id}），请用 --parent 指定上级区域。")
    elif db.session.get(Region, parent_id) is None:
        raise click.BadParameter(f"区域 {parent_id} 不存在。", param_hint="--parent")
    with _refused_as_click_error():
        region = create_region(None, data)
    record_region_created(None, region)
    db.session.commit()
    click.echo(f"已创建区域 {region.full_name}（{REGION_LEVEL_LABELS[level]}，id={region.id}）。")


@command("rename-region")
@click.argument("region_id", metavar="ID", type=int)
@click.argument("name")
@click.option("--level", type=click.Choice(REGION_LEVELS),
              help="同时修改层级：province 省、city 市、county 县（区）、township 乡镇（街道）、village 村（社区）")
@needs_database
def rename_region_command(region_id, name, level):
    """修改区域 ID 的名称为 NAME（id 用 regions 命令查看），例如尚无区域时 create-admin 自动创建的根区域“全部区域”：
    rename-region 1 江州市 --level city。记入操作日志（修改区域）。"""
    from marshmallow import ValidationError

    from schemas.org import RegionPatch

    from .org.models import REGION_LEVEL_LABELS, Region
    from .org.services import update_region

    region = db.session.get(Region, region_id)
    if region is None:
        raise click.BadParameter(f"区域 {region_id} 不存在。", param_hint="ID")
    try:
        data = RegionPatch().load({"name": name} | ({"level": level} if level else {}))
    except ValidationError as exc:
        raise click.BadParameter("；".join(exc.messages.get("name", [])) or str(exc.messages), param_hint="NAME") from None
    with _refused_as_click_error():
        update_region(None, region, data)
    db.session.commit()
    click.echo(f"已将区域 {region.id} 改为 {region.name}（{REGION_LEVEL_LABELS[region.level.value]}）。")


@command("regions")
@needs_database
def regions_command():
    """列出全部区域及其 id，按上下级排列。"""
    from .org.models import REGION_LEVEL_LABELS, Region, full_names

    regions = db.session.scalars(select(Region).order_by(Region.path)).all()
    if not regions:
        raise click.ClickException("还没有任何区域：请先运行 create-region 创建根区域。")
    names = full_names(regions)
    click.echo("id\t全称\t层级")
    for region in regions:
        click.echo(f"{region.id}\t{names[region.id]}\t{REGION_LEVEL_LABELS[region.level]}")


@command("create-admin")
@click.argument("name")
@click.option("--password", help="管理员的密码" + PASSWORD_HELP)
@click.option("--region", "region_id", type=int,
              help="所管区域的 id（用 regions 命令查看）；不写 --region 也不写 --station 时为根区域的超级管理员"
                   "（尚无区域时自动创建名为“全部区域”的根区域：请先运行 create-region 命名，或之后用 rename-region 改名）")
@click.option("--station", "station_ids", type=int, multiple=True,
              help="所管联络站的 id，可重复写多次：创建这些联络站的联络站管理员")
@click.option("--display-name", default="", help="管理后台显示的姓名；不写则用账号名 NAME")
@needs_database
def create_admin_command(name, password, region_id, station_ids, display_name):
    """创建管理员账号：区域管理员（--region，不写则为根区域）或联络站管理员（--station）。

    NAME 为登录账号名。之后由区域管理员在管理后台的“管理员账号”页管理其他账号。"""
    from .auth.accounts import record_created
    from .auth.passwords import password_problem
    from .auth.services import create_admin
    from .errors import APIError
    from .org.models import Region, RegionLevel, Station
    from .org.services import create_region, record_region_created, root_region

    if region_id is not None and station_ids:
        raise click.UsageError("--region 和 --station 只能选用其一：区域管理员和联络站管理员请分别建账号。")
    stations = []
    for station_id in dict.fromkeys(station_ids):
        station = db.session.get(Station, station_id)
        if station is None:
            raise click.BadParameter(f"联络站 {station_id} 不存在。", param_hint="--station")
        stations.append(station)
    region = None
    if region_id is not None:
        region = db.session.get(Region, region_id)
        if region is None:
            raise click.BadParameter(f"区域 {region_id} 不存在。", param_hint="--region")
    password = asked_password(password, "账号未创建")
    if problem := password_problem(password, name):
        raise click.BadParameter(problem, param_hint="--password")
    if region is None and not stations:
        region = root_region()
        if region is None:
            region = create_region(None, {"name": "全部区域", "level": RegionLevel.province})
            record_region_created(None, region)
    try:
        user = create_admin(name, password, region, display_name.strip())
    except APIError as exc:
        raise click.ClickException(exc.message) from exc
    user.admin_stations = stations
    db.session.flush()
    record_created(None, user)
    db.session.commit()
    if stations:
        click.echo(f"已创建联络站管理员 {user.username}（管理联络站：{'、'.join(s.name for s in stations)}）。")
    else:
        click.echo(f"已创建管理员 {user.username}（管理区域：{region.name}，id={region.id}）。")
    click.echo(f"管理后台：{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/console/")


@command("set-password")
@click.argument("name")
@click.option("--password", help="新密码" + PASSWORD_HELP)
@needs_database
def set_password_command(name, password):
    """为管理员 NAME 设置新密码：其管理后台登录和接口令牌随即失效，绑定用于接收提醒的微信也解除绑定。"""
    from .audit.log import record_across, regions_of
    from .auth.models import User
    from .auth.accounts import hand_back
    from .auth.passwords import password_problem
    from .auth.services import set_password

    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        raise click.ClickException(f"没有名为 {name} 的管理员账号。")
    password = asked_password(password, "密码未修改")
    if problem := password_problem(password, name):
        raise click.BadParameter(problem, param_hint="--password")
    set_password(user, password)
    hand_back(user)
    record_across("password_reset", None, ("user", user.id, user.display_name or user.username), regions_of(user))
    db.session.commit()
    click.echo(f"已为管理员 {name} 设置新密码；此前的登录（管理后台和接口令牌）均已失效。")


@command("demo-data")
@click.option("--force", is_flag=True, help="数据库中已有数据时也导入")
@needs_database
def demo_data_command(force):
    """导入演示数据（生产环境不可用）。

    导入区域、联络站、代表、管理员，以及各环节的建议、活动和约见；仅导入一次，APP_ENV=production 时拒绝导入。"""
    from .demo import load_demo, print_demo_summary
    from .demo_stories import play as play_demo_stories
    from .org.models import Region

    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("生产环境（APP_ENV=production）不导入演示数据：演示管理员的密码是公开的。"
                                   "如确为演示环境，请设置 APP_ENV=development。")
    if db.session.scalar(select(Region.id).limit(1)) is not None and not force:
        click.echo("数据库中已有数据，跳过演示数据导入（使用 --force 强制导入）。")
    else:
        load_demo()
        db.session.commit()
        play_demo_stories()
        click.echo("演示数据已导入。")
    print_demo_summary(current_app.config["PUBLIC_BASE_URL"])


@command("import-deputies", usage_exit_code=1)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--region", "region_id", type=int, help="导入到该区域及其下级区域（区域 id）；不写则为根区域")
@needs_database
def import_deputies_command(file, region_id):
    """从 .xlsx 或 .csv 文件 FILE 导入代表名册（规则与管理后台的“导入代表”相同）。

    第一行（或标题下一行）为列名：姓名、层级、所属区域、手机号（必填）、联络站、代表小组、届次、状态。按手机号匹配：已有的代表更新信息，新的代表连同其二维码一起创建。有误的行逐行列出并跳过，其余照常导入；同一文件再导入一次不会改变任何数据。

    退出码 0：全部导入；退出码 2：有行有误未导入（逐行列出），其余行已导入；退出码 1：文件或设置有误，什么都没有导入。"""
    from .org import importer

    def run(scope, sheet, progress, file_name):
        return importer.import_sheet(scope, sheet, progress=progress, file_name=file_name)

    _import_file(file, region_id, importer.DEPUTIES, run)


@command("import-stations", usage_exit_code=1)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--region", "region_id", type=int, help="导入到该区域及其下级区域（区域 id）；不写则为根区域")
@needs_database
def import_stations_command(file, region_id):
    """从 .xlsx 或 .csv 文件 FILE 导入联络站（规则与管理后台的“导入联络站”相同）。

    第一行（或标题下一行）为列名：联络站名称、所属区域、类型（必填）、地址、纬度、经度、开放时间。按所属区域和名称匹配：已有的联络站更新信息，新的联络站连同其二维码一起创建。有误的行逐行列出并跳过，其余照常导入；同一文件再导入一次不会改变任何数据。

    退出码 0：全部导入；退出码 2：有行有误未导入（逐行列出），其余行已导入；退出码 1：文件或设置有误，什么都没有导入。"""
    from .org import station_importer

    def run(scope, sheet, progress, file_name):
        return station_importer.import_sheet(scope, sheet, progress=progress, file_name=file_name)

    _import_file(file, region_id, station_importer.STATIONS, run)


@command("import-admins", usage_exit_code=1)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--region", "region_id", type=int, help="导入到该区域及其下级区域（区域 id）；不写则为根区域")
@click.option("--passwords", "passwords_file", type=click.Path(dir_okay=False, writable=True),
              help="把新建账号的初始密码另存为这个新的 .xlsx 文件（仅本人可读；文件已存在则不导入；不写则只在屏幕上列出）")
@needs_database
def import_admins_command(file, region_id, passwords_file):
    """从 .xlsx 或 .csv 文件 FILE 导入管理员账号（规则与管理后台的“导入管理员”相同）。

    第一行（或标题下一行）为列名：姓名、登录名、角色（必填）、所属联络站、所属区域、状态。按登录名匹配：已有的账号更新姓名、所属联络站或区域、状态（不重置密码）；新的登录名新建账号，生成一次性初始密码，只在本次输出中列出（或另存到 --passwords 文件），首次登录须修改。有误的行逐行列出并跳过，其余照常导入；同一文件再导入一次不会改变任何数据。

    退出码 0：全部导入；退出码 2：有行有误未导入（逐行列出），其余行已导入；退出码 1：文件或设置有误，什么都没有导入。"""
    from .auth import account_importer

    def run(scope, sheet, progress, file_name):
        return account_importer.import_sheet(None, scope, sheet, file_name=file_name, progress=progress)

    # The passwords' file is made before anything is imported, new and readable by its owner only: never an
    # existing file overwritten, nor a link followed to somewhere else (one planted in /tmp by another user).
    fd = _new_private_file(passwords_file) if passwords_file else None
    kept = False

    def passwords(result):
        nonlocal kept
        if not result["passwords"]:
            return
        if fd is not None:
            with os.fdopen(os.dup(fd), "wb") as f:
                f.write(account_importer.result_sheet(result))
            kept = True
            click.echo(f"新建账号的初始密码已另存到 {passwords_file}，请妥善保管并逐一告知本人（首次登录须修改密码）。")
            return
        click.echo("新建账号的初始密码（只显示这一次，请妥善保管并逐一告知本人；首次登录须修改密码）：")
        for entry in result["passwords"]:
            click.echo(f"  第 {entry['row']} 行  {entry['display_name']}  登录名 {entry['username']}  初始密码 {entry['password']}")

    try:
        _import_file(file, region_id, account_importer.ADMINS, run, after=passwords)
    finally:
        if fd is not None:
            os.close(fd)
            if not kept:  # no new account (or nothing imported): no empty file left behind
                os.unlink(passwords_file)


def _new_private_file(path):
    """A new file at ``path``, readable and writable by its owner only (0600), as an open descriptor; a clear
    refusal (exit code 1) when something is there already, a symbolic link included."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise click.ClickException(
            f"文件 {path} 已存在：初始密码只写入新文件（不覆盖已有文件，也不经符号链接写到别处），请换一个文件名。什么都没有导入。"
        ) from None
    except OSError as exc:
        raise click.ClickException(f"无法创建文件 {path}（{exc.strerror}），什么都没有导入。") from None


def _import_file(file, region_id, layout, run, after=None):
    """What the import commands share: the region (``--region``, else the root), the file read by ``layout``,
    ``run(scope, sheet, progress, file_name)`` under a progress bar, one commit, the counts and every refused
    row, and exit code 2 when rows were refused."""
    from .errors import APIError
    from .org import importer
    from .org.models import Region
    from .org.services import root_region

    region = root_region() if region_id is None else db.session.get(Region, region_id)
    if region is None:
        if region_id is not None:
            raise click.ClickException(f"--region 的值无效：区域 {region_id} 不存在。什么都没有导入。")
        raise click.ClickException("还没有任何区域：请先运行 create-admin 或 demo-data。")
    try:
        with open(file, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise click.ClickException(f"文件 {file} 不存在或无法读取（{exc.strerror}），什么都没有导入。") from None
    try:
        sheet = importer.read_sheet(data, layout)
        with click.progressbar(length=len(sheet), label=f"导入{layout.entry}（{region.name}）") as bar:
            result = run(importer.Scope.of_region(region), sheet, bar.update, os.path.basename(file))
    except APIError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(
        f"新增 {result['created']} {layout.unit}，更新 {result['updated']} {layout.unit}，未变化 {result['unchanged']} {layout.unit}，"
        f"有误 {len({e['row'] for e in result['errors']})} 行。"
    )
    for error in result["errors"]:
        click.echo(f"  第 {error['row']} 行【{error['field']}】{error['message']}")
    for notice in result.get("notices", ()):
        click.echo(f"  第 {notice['row']} 行（提示）{notice['message']}")
    if after is not None:
        after(result)
    if result["errors"]:
        # The other rows are in: a script or cron job still learns that some were refused.
        sys.exit(2)


# PostgreSQL's answers to a statement that waited past lock_timeout, or ran past statement_timeout.
LOCK_NOT_AVAILABLE, QUERY_CANCELED = "55P03", "57014"
log = logging.getLogger(__name__)


@contextlib.contextmanager
def bounded_waits(engine, lock_seconds, statement_seconds):
    """On PostgreSQL, every transaction begun on ``engine`` meanwhile gives up on a lock after
    ``lock_seconds`` and on a statement after ``statement_seconds`` (SET LOCAL: nothing outlives it)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    settings = (f"SET LOCAL lock_timeout = {int(lock_seconds * 1000)}; "
                f"SET LOCAL statement_timeout = {int(statement_seconds * 1000)}")

    def limit(conn):
        with conn.connection.dbapi_connection.cursor() as cursor:
            cursor.execute(settings)

    event.listen(engine, "begin", limit)
    try:
        yield
    finally:
        event.remove(engine, "begin", limit)


class SweepSteps:
    """Runs the sweep's steps; one held up by a lock (or a statement past its time) is rolled back and
    left to the next run, and the others go on. So does one that fails otherwise (an answer of WeChat's
    nobody foresaw, a bug): logged with its traceback, it holds up none of the steps after it."""

    def __init__(self):
        self.skipped = []
        self.timed_out = False  # a statement ran past SWEEP_STATEMENT_TIMEOUT (else: waited past the lock timeout)
        self.failed = []

    def run(self, name, step, nothing=0, when=True):
        """``step()``'s result; ``nothing`` for a step not run (``when`` false) or left to the next run."""
        if not when:
            return nothing
        try:
            return step()
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) not in (LOCK_NOT_AVAILABLE, QUERY_CANCELED):
                return self._failed(name, nothing)
            db.session.rollback()
            log.warning("sweep step %s left to the next run: %s", name, str(exc.orig).strip().splitlines()[0])
            self.skipped.append(name)
            self.timed_out |= exc.orig.sqlstate == QUERY_CANCELED
            return nothing
        except Exception:  # noqa: BLE001 - whatever it was (a bug, an answer nobody foresaw), the other steps run
            return self._failed(name, nothing)

    def _failed(self, name, nothing=0):
        db.session.rollback()
        log.exception("sweep step %s failed; left to the next run", name)
        self.failed.append(name)
        return nothing


@command("sweep")
@click.option("--every", type=click.IntRange(min=1), metavar="SECONDS",
              help="持续运行，每隔这么多秒运行一轮（如 60，配合 deploy/mashangban-sweeper.service）；不写则运行一轮后退出")
@click.option("--rounds", type=click.IntRange(min=1), hidden=True, help="与 --every 同用：运行这么多轮后退出（测试用）")
@needs_database
def sweep_command(every, rounds):
    """定时任务：时限与超期标记、提醒、自动办结、内容检测、消息发送和过期数据清理。

    还会把仍在离任代表名下的建议退回联络站待分派，撤回已结束活动的揭榜提醒，结束到期的民生实事票决、立法意见征集和述职测评，删除过期的幂等键、超过保存期限的操作日志和消息，以及上传后未提交的照片。可由 cron 以任意频率运行，重复或并发运行不会重复提醒或重复办结。

    加 --every 60 则持续运行、每 60 秒一轮（省去每次启动的开销），收到 SIGTERM（systemctl stop）后在本轮结束时退出。"""
    if every is None:
        sweep_round()
    else:
        sweep_loop(every, rounds)


def sweep_loop(every, rounds=None):
    """A round of the sweep every ``every`` seconds (from one round's start to the next's) until SIGTERM or
    SIGINT, which end it after the round under way; after ``rounds`` rounds when given (tests). A round that
    fails is logged, its transaction rolled back, and the next one runs as planned."""
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGTERM, signal.SIGINT)}
    done = 0
    try:
        while not stop.is_set():
            started = time.monotonic()
            try:
                sweep_round()
            except click.ClickException as exc:  # the round's own line: a step left to the next round, WeChat refused
                log.error("sweep round: %s", exc.format_message())
            except Exception:  # noqa: BLE001 - the database or WeChat away: the next round tries again
                log.exception("sweep round failed")
            finally:
                db.session.remove()
            done += 1
            if rounds is not None and done >= rounds:
                break
            stop.wait(max(0.0, every - (time.monotonic() - started)))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo(f"{datetime.now(CHINA):%Y-%m-%d %H:%M:%S} 定时任务已停止（共运行 {done} 轮）。")


def sweep_round():
    """One round of the sweep: its summary line, or a ClickException naming what went wrong."""
    from .activities.report_poll import close_ended as close_ended_polls
    from .activities.services import drop_place_notices_once_over, remind_upcoming
    from .appointments.services import remind_meetings, remind_unanswered
    from .audit.log import purge_expired as purge_audit_events
    from .idempotency import purge_expired
    from .consultations.services import close_ended as close_ended_consultations
    from .livelihood.services import close_ended
    from .notifications.outbox import UNREACHABLE_GIVE_UP, deliver_due, purge_finished, refused_templates
    from .suggestions import sweep
    from .uploads.cleanup import purge_unattached
    from .uploads.screening import submit_due
    from .wechat import WeChatMisconfigured, WeChatUnavailable, get_client

    # WeChat refusing our settings stops the steps that call it before they start (screening waits, the
    # messages stay queued); the others run, and the run fails with the operator's line (cron mails it).
    misconfigured = None
    try:
        get_client().access_token()
    except WeChatMisconfigured as exc:
        misconfigured = exc
    except WeChatUnavailable:
        pass  # unreachable now: each WeChat step finds so at its first call and leaves the rest for the next run
    wechat = misconfigured is None
    config = current_app.config
    steps = SweepSteps()
    with bounded_waits(db.engine, config["SWEEP_LOCK_TIMEOUT"], config["SWEEP_STATEMENT_TIMEOUT"]):
        screened = steps.run("内容检测", sweep.screen_pending, when=wechat)
        photos = steps.run("照片送检", submit_due, {"submitted": 0, "manual": 0, "retry": 0}, when=wechat)
        # before the deadlines: an item back at its station is not reminded as its deputy's
        departed = steps.run("退回离任代表名下的建议", sweep.return_left_with_departed)
        overdue = steps.run("超期标记", sweep.flag_deadlines)
        closed = steps.run("自动办结", sweep.auto_close)
        reminded = steps.run("活动提醒", remind_upcoming)
        appointments = steps.run("约见提醒", lambda: remind_unanswered() + remind_meetings())
        votes = steps.run("结束民生实事票决", close_ended)
        consultations = steps.run("结束立法意见征集", close_ended_consultations)
        polls = steps.run("结束述职测评", close_ended_polls)
        # before delivery: no 揭榜 notice of an activity that is over
        stale = steps.run("撤回揭榜提醒", drop_place_notices_once_over)
        delivery = steps.run("消息发送", deliver_due, {"sent": 0, "refused": 0, "skipped": 0, "retry": 0, "failed": 0}, when=wechat)
        refused = steps.run("检查消息模板", refused_templates, [])
        steps.run("清理幂等键", purge_expired, None)
        audit_purged = steps.run("清理操作日志", purge_audit_events)
        messages_purged = steps.run("清理消息", purge_finished)
        photos_purged = steps.run("清理未提交的照片", purge_unattached)

    click.echo(
        f"{datetime.now(CHINA):%Y-%m-%d %H:%M:%S} "  # cron's log: when each run was, in China time
        f"内容检测 {screened} 条；照片送检 {photos['submitted']} 张（转人工 {photos['manual']}，待重试 {photos['retry']}）；"
        f"退回离任代表名下的建议 {departed} 条；新标记超期 {overdue} 条；自动办结 {closed} 条；活动提醒 {reminded} 项；约见提醒 {appointments} 项；"
        f"到期结束民生实事票决 {votes} 次；到期结束立法意见征集 {consultations} 次；到期结束述职测评 {polls} 次；"
        f"撤回已结束活动的揭榜提醒 {stale} 条；"
        f"消息发送成功 {delivery['sent']}，用户拒收 {delivery['refused']}，模板未配置跳过 {delivery['skipped']}，待重试 {delivery['retry']}，放弃 {delivery['failed']}；"
        f"删除超过保存期限的操作日志 {audit_purged} 条；删除超过保存期限的消息 {messages_purged} 条；"
        f"删除上传后未提交的照片 {photos_purged} 张。"
    )
    failures = []
    if misconfigured is not None:
        failures.append(f"{misconfigured.message}。内容检测、照片送检和消息发送已暂停（消息仍在队列中），"
                        "改正后下次运行自动继续；可用 flask --app backend wechat-check 检查。")
    if refused:
        failures.append(f"微信不接受订阅消息模板 {'、'.join(refused)} 的 ID（40037）：请检查 WECHAT_TEMPLATES 中的模板 ID"
                        f"（须为本小程序后台「订阅消息」中的模板）并重启；这些消息仍在队列中，改正后自动发送，"
                        f"{UNREACHABLE_GIVE_UP.days} 天内仍未发出的放弃。")
    if steps.skipped:
        waited = (f"等待数据库锁超过 {config['SWEEP_LOCK_TIMEOUT']:g} 秒" if not steps.timed_out else
                  f"等待数据库锁超过 {config['SWEEP_LOCK_TIMEOUT']:g} 秒或语句执行超过 {config['SWEEP_STATEMENT_TIMEOUT']:g} 秒")
        failures.append(f"本轮跳过了：{'、'.join(steps.skipped)}（{waited}，下一轮再试；如一直如此，请查找长时间持有锁的事务）。")
    if steps.failed:
        failures.append(f"本轮出错：{'、'.join(steps.failed)}（错误详情已写入日志，其余步骤照常完成，下一轮再试；"
                        "如一直如此，请查看日志）。")
    if failures:
        raise click.ClickException("\n".join(failures))


@command("wechat-check")
@needs_database
def wechat_check_command():
    """检查微信接口配置（向微信取 access_token）。

    用 WECHAT_APPID 和 WECHAT_SECRET 从本服务器向微信取 access_token。

    可判断这两项设置和小程序的 IP 白名单是否正确（部署后和每次修改后运行）。"""
    from .wechat import WeChatError, WeChatMisconfigured, WeChatUnavailable, get_client

    config = current_app.config
    try:
        get_client().fetch_stable_token()  # normal mode: the current token, no other holder's invalidated
    except WeChatMisconfigured as exc:
        raise click.ClickException(f"{exc.message}。") from None
    except WeChatUnavailable as exc:
        raise click.ClickException(f"无法连接微信服务器（{config['WECHAT_API_BASE']}）：{exc}。请检查网络后重试。") from None
    except WeChatError as exc:
        raise click.ClickException(f"微信拒绝了取 access_token 的请求：{exc.errcode} {exc.errmsg}") from None
    mode = "正式（live）" if config["WECHAT_MODE"] == "live" else "模拟（fake）"
    click.echo(f"微信接口配置正确：已用 AppID {config['WECHAT_APPID']} 从 {config['WECHAT_API_BASE']} 取得 access_token"
               f"（{mode}模式）。")


def _day(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"“{value}”不是有效日期，请写作 2027-02-05 这样的形式。") from None


def _calendar_step(step):
    """Run a change of the working-day calendar (workdays.services) and commit it; a refusal is the
    command's one-line error."""
    from .errors import APIError

    try:
        result = step()
    except APIError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    return result


@click.group("workdays", cls=Group)
def workdays_command():
    """工作日历：答复时限按工作日计算所依据的日历。

    默认周末休息、周一至周五上班；国务院办公厅每年十一月前后发布《关于部分节假日安排的通知》后，请用 add（或管理后台的“工作日历”页）录入来年的放假日期和调休上班日期。没有录入任何日期的年份只按周末双休计算。"""


@workdays_command.command("list")
@click.argument("year", type=click.IntRange(2000, 2100))
@needs_database
def workdays_list_command(year):
    """列出 YEAR 年录入的放假日期和调休上班日期。"""
    from .workdays.models import KIND_LABELS, DayKind
    from .workdays.services import shown, year_days

    days = year_days(year)
    if not days:
        click.echo(f"工作日历中没有 {year} 年的放假安排：录入之前，该年按周末双休计算工作日。")
        return
    click.echo("日期\t类别\t名称")
    for day in days:
        click.echo(f"{shown(day.day)}\t{KIND_LABELS[day.kind.value]}\t{day.name}")
    holidays = sum(day.kind is DayKind.holiday for day in days)
    click.echo(f"{year} 年：工作日放假 {holidays} 天，周末调休上班 {len(days) - holidays} 天。")


@workdays_command.command("add")
@click.argument("first", callback=_day)
@click.argument("last", required=False, callback=_day)
@click.option("--kind", required=True, type=click.Choice(["holiday", "workday"]),
              help="holiday 放假（FIRST 至 LAST 中的工作日），workday 调休上班（其中的周末）")
@click.option("--name", required=True, help="节日名称，按通知的写法，如 春节、国庆节")
@needs_database
def workdays_add_command(first, last, kind, name):
    """录入放假日期或调休上班日期。

    从 FIRST 到 LAST（或仅 FIRST 一天），如 add 2027-02-05 2027-02-11 --kind holiday --name 春节；已录入的日期被替换。此后设定的时限按新的日历计算。"""
    from .workdays.models import KIND_LABELS
    from .workdays.services import enter, shown

    days = _calendar_step(lambda: enter(first, last, kind, name))
    click.echo(f"已录入{KIND_LABELS[kind]}（{name.strip()}）{len(days)} 天：{'、'.join(shown(day) for day in days)}。")


@workdays_command.command("remove")
@click.argument("first", callback=_day)
@click.argument("last", required=False, callback=_day)
@needs_database
def workdays_remove_command(first, last):
    """删除误录的日期。

    从 FIRST 到 LAST（或仅 FIRST 一天）恢复按周末双休计算；已设定的时限不变。"""
    from .workdays.services import remove

    removed = _calendar_step(lambda: remove(first, last))
    click.echo(f"已删除 {removed} 天：这些日期恢复按周末双休计算。")

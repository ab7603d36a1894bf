"""The operators' manual (docs/deploy.zh-CN.md) names only settings and commands that exist, so that it cannot
go stale silently: every environment variable it names is read by the code (the app's settings, gunicorn's
configuration, the container's health check, deploy/msb, or a third-party program that the project's own files
say reads it), and every ``flask --app backend …`` or ``deploy/msb …`` command it shows is a command of the app's
CLI, with a subcommand and options that command has. The commands README.md shows are checked alike."""
import ast
import re
from pathlib import Path

import click
import pytest
from flask.cli import FlaskGroup, ScriptInfo

from backend import create_app

ROOT = Path(__file__).resolve().parent.parent
MANUAL = ROOT / "docs" / "deploy.zh-CN.md"

# What a setting's name looks like: upper case with an underscore (APP_ENV), or any upper-case word assigned
# a value (PORT=8000).
SETTING = re.compile(r"(?<![\w$./-])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?![\w/-])")
ASSIGNED = re.compile(r"(?<![\w$./-])([A-Z][A-Z0-9_]*)=")
# The functions through which the project's Python reads a setting by name (backend/config.py's readers,
# backend/web/limits.py's ``configured``, backend/wechat/link_verify.py's ``_setting``, deploy/gunicorn.conf.py's
# ``_number``), besides os.environ and os.getenv.
READERS = {"env", "_setting", "_int", "_switch", "_seconds", "_json_object", "_categories", "_number", "configured"}
# Read by a program the project runs, not by its own code; each must be named in the file given, which says so.
READ_BY_OTHERS = {
    "FORWARDED_ALLOW_IPS": "deploy/gunicorn.conf.py",  # gunicorn itself
    "FLASK_APP": "Dockerfile",  # the flask command itself
}
# A command line of the app's CLI: ``flask --app backend CMD …`` or ``deploy/msb CMD …`` (which runs it so).
COMMAND_LINE = re.compile(r"(?:flask --app backend|deploy/msb)((?:[ \t]+[^\s`#|;&>)]+)+)")


def _is_environ(node):
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _names_read_by(path):
    """The setting names the Python file at ``path`` reads: string constants passed to a reader, to
    os.environ.get or os.getenv, or used as an os.environ key."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            environ = isinstance(func, ast.Attribute) and (
                (func.attr == "get" and _is_environ(func.value)) or func.attr == "getenv")
            if name in READERS or environ:
                names |= {arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)}
        elif isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.slice, ast.Constant):
            names.add(node.slice.value)
    return {name for name in names if re.fullmatch(r"[A-Z][A-Z0-9_]*", name)}


def settings_read():
    from backend.web.limits import DEFAULTS  # read through configured(name), by name

    names = set(DEFAULTS)
    for path in [*ROOT.joinpath("backend").rglob("*.py"), *ROOT.joinpath("deploy").glob("*.py")]:
        names |= _names_read_by(path)
    names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)[:}]", (ROOT / "deploy" / "msb").read_text(encoding="utf-8")))
    return names


def unknown_settings(text, known):
    named = set(SETTING.findall(text)) | set(ASSIGNED.findall(text))
    return sorted(named - known - set(READ_BY_OTHERS))


def unknown_commands(text, group, ctx):
    """Each command line of ``text`` whose command, subcommand or an option is not the CLI's, with why."""
    problems = []
    for match in COMMAND_LINE.finditer(text):
        line = match.group(0)
        words = [word.strip("'\"") for word in match.group(1).split()]
        if not words[0].isascii() or words[0] == "…":  # prose: 执行 `flask --app backend 命令`
            continue
        command, path = group, []
        while words and not words[0].startswith("-") and isinstance(command, click.Group):
            name = words.pop(0)
            found = command.get_command(ctx, name)
            if found is None:
                problems.append(f"{line}: no command {' '.join([*path, name])!r}")
                break
            command, path = found, [*path, name]
        else:
            if not path and words != ["--help"]:
                problems.append(f"{line}: no command")
                continue
            options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)} | {"--help"}
            problems += [f"{line}: {' '.join(path)} has no option {word.split('=')[0]}"
                         for word in words if word.startswith("--") and word.split("=")[0] not in options]
    return problems


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """The CLI as ``flask --app backend`` builds it (Flask's own commands, the extensions', the app's), on an
    app over a database file of its own: listing commands reads no table."""
    folder = tmp_path_factory.mktemp("docs")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'docs.sqlite'}",
                      "UPLOAD_DIR": str(folder / "uploads")})
    group = FlaskGroup(create_app=lambda: app)
    ctx = click.Context(group, obj=ScriptInfo(create_app=lambda: app))
    return group, ctx


@pytest.mark.database_independent
def test_every_setting_the_manual_names_is_read_by_the_code():
    text = MANUAL.read_text(encoding="utf-8")
    assert "SECRET_KEY" in text  # the manual is read, and names settings
    assert unknown_settings(text, settings_read()) == []


@pytest.mark.database_independent
def test_the_settings_others_read_are_said_so_where_they_are_used():
    for name, path in READ_BY_OTHERS.items():
        assert name in (ROOT / path).read_text(encoding="utf-8"), (name, path)


@pytest.mark.database_independent
@pytest.mark.parametrize("document", [MANUAL, ROOT / "README.md"], ids=["manual", "README"])
def test_every_command_shown_is_a_command_of_the_app_with_its_options(cli, document):
    text = document.read_text(encoding="utf-8")
    assert len(COMMAND_LINE.findall(text)) > 20  # the commands are shown in the form the check reads
    assert unknown_commands(text, *cli) == []


@pytest.mark.database_independent
def test_the_checks_find_a_setting_or_a_command_that_does_not_exist(cli):
    assert unknown_settings("`SECRET_KEY` `NO_SUCH_SETTING` PORT=8000 NOPE=1", settings_read()) == ["NOPE", "NO_SUCH_SETTING"]
    assert unknown_commands("flask --app backend sweep --every 60\n"
                            "`sudo deploy/msb workdays list 2027`\n"
                            "flask --app backend db upgrade\n", *cli) == []
    assert unknown_commands("执行 `flask --app backend 命令`，`flask --app backend …`", *cli) == []
    assert unknown_commands("`flask --app backend sweeps`", *cli) == ["flask --app backend sweeps: no command 'sweeps'"]
    assert unknown_commands("`deploy/msb workdays purge 2027`", *cli) == [
        "deploy/msb workdays purge 2027: no command 'workdays purge'"]
    assert unknown_commands("`deploy/msb import-deputies --dry-run F.xlsx`", *cli) == [
        "deploy/msb import-deputies --dry-run F.xlsx: import-deputies has no option --dry-run"]


@pytest.mark.database_independent
def test_the_upgrade_script_for_a_dba_starts_from_the_database_s_version():
    """Without ``版本:head``, ``db upgrade --sql`` scripts the whole chain from an empty database: applied to a
    live one it fails at its first CREATE TABLE. The upgrade steps give the range and how to read the version."""
    text = MANUAL.read_text(encoding="utf-8")
    shown = re.findall(r"db upgrade --sql(?: (\S+))?", text)
    assert shown and all(re.fullmatch(r"[^\s`]+:head`?", start or "") for start in shown), shown
    assert "db current" in text

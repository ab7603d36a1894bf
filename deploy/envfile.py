"""Run a command with the settings of an env file read as systemd's ``EnvironmentFile=`` reads it:
``python deploy/envfile.py /etc/mashangban.env COMMAND [ARGS…]`` (deploy/msb does, for every command and the cron line).

A shell (``set -a; . FILE``) would expand ``$`` and backquotes in the values - a generated token or a database
password - or stop at them, so that the commands ran with other values than the service. The rules, systemd's:
one ``NAME=value`` a line; lines starting with ``#`` or ``;`` and blank lines skipped; spaces around the name and
the value dropped; a value in single quotes taken as it is, in double quotes with ``\\"``, ``\\\\``, ``\\$`` and
``\\```` escaped, unquoted with ``\\x`` as ``x``; a backslash at the end of a line continues the value on the next.
A line that is no ``NAME=value`` stops it with one line (exit code 1) rather than the command running without it.
"""
import os
import re
import sys

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _refuse(problem):
    print(f"Error: 配置错误：{problem}", file=sys.stderr)
    sys.exit(1)


def _value(text, start):
    """The value starting at ``text[start]`` and the index after its line."""
    out, i, quote, kept = [], start, None, 0  # kept: the characters up to a closing quote keep their spaces

    def done():
        return "".join(out[:kept]) + "".join(out[kept:]).rstrip()

    while i < len(text):
        c = text[i]
        if quote == "'":
            if c == "'":
                quote, kept = None, len(out)
            else:
                out.append(c)
        elif quote == '"':
            if c == '"':
                quote, kept = None, len(out)
            elif c == "\\" and i + 1 < len(text) and text[i + 1] in '"\\`$\n':
                i += 1
                if text[i] != "\n":
                    out.append(text[i])
            else:
                out.append(c)
        elif c == "\n":
            return done(), i + 1
        elif c in "'\"" and not "".join(out).strip():
            out, quote = [], c
        elif c == "\\" and i + 1 < len(text):
            i += 1
            if text[i] != "\n":
                out.append(text[i])
        else:
            out.append(c)
        i += 1
    return done(), i


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        _refuse(f"无法读取配置文件 {path}（{getattr(exc, 'strerror', None) or exc}）。")
    settings, i = {}, 0
    while i < len(text):
        line_no = text.count("\n", 0, i) + 1
        end = text.find("\n", i)
        line = text[i:] if end < 0 else text[i:end]
        if not line.strip() or line.lstrip()[0] in "#;":
            i = len(text) if end < 0 else end + 1
            continue
        name, sep, _ = line.partition("=")
        if not sep or not NAME.match(name.strip()):
            _refuse(f"{path} 第 {line_no} 行不是“变量名=值”的形式。")
        start = i + len(name) + 1
        while start < len(text) and text[start] in " \t":
            start += 1
        settings[name.strip()], i = _value(text, start)
    return settings


if __name__ == "__main__":
    if len(sys.argv) < 3:
        _refuse("用法：python deploy/envfile.py 配置文件 命令 [参数…]")
    os.environ.update(read(sys.argv[1]))
    os.execv(sys.argv[2], sys.argv[2:])

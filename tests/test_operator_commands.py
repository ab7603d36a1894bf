"""The operator's first steps on a server: commands run as the nologin service user through deploy/msb (the
env file loaded, the project's venv), and create-admin saying where to sign in."""
import os
import subprocess

import pytest

from .test_operations import APP_SETTINGS, ROOT, production


def test_create_admin_prints_the_console_address(app):
    admin = app.test_cli_runner().invoke(args=["create-admin", "root", "--password", "Huaihua#2027"])
    assert admin.exit_code == 0, admin.output
    assert "管理后台：https://msb.example.cn/console/" in admin.output


@pytest.mark.database_independent
def test_msb_runs_a_command_with_the_env_file_and_the_venv(tmp_path):
    env_file = tmp_path / "mashangban.env"
    settings = production(tmp_path, WECHAT_TEMPLATES='{"new_item": "id of new item"}')
    env_file.write_text("".join(f"{name}='{value}'\n" for name, value in settings.items() if value is not None))
    bare = {k: v for k, v in os.environ.items() if k not in APP_SETTINGS and k != "VIRTUAL_ENV"}
    bare["PATH"] = "/usr/bin:/bin"  # no venv on the PATH: the wrapper finds the project's own
    run = subprocess.run([str(ROOT / "deploy" / "msb"), "regions"], capture_output=True, text=True, timeout=120,
                         env=bare | {"MSB_USER": subprocess.check_output(["id", "-un"], text=True).strip(),
                                     "MSB_APP_DIR": str(ROOT), "MSB_ENV_FILE": str(env_file)})
    # the env file's DATABASE_URL, a new file: the command ran in the app with those settings
    assert run.returncode == 1, run.stdout + run.stderr
    assert "数据库尚未建表" in run.stderr, run.stderr

"""``python -m identity create-admin`` makes the first staff administrator on a database with
no users (no demo seed): the password from the environment or standard input, never the
command line; the same rules as the API's (strength, unique username); the new user signs
in and administers users."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from identity.service import definition
from svckit.testing import service_context

PASSWORD = "Ganquan-Road-18"


def _identity(args: list[str], pg_url: str, tmp_path: Path, *, stdin: str = "",
              password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "IDENTITY_ADMIN_PASSWORD"}
    env.update({"IDENTITY_DATABASE_URL": pg_url, "VAR_DIR": str(tmp_path), "LOG_JSON": "false"})
    if password is not None:
        env["IDENTITY_ADMIN_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "identity", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120)


def test_create_admin_makes_a_staff_user_who_signs_in(
        pg_url: str, tmp_path: Path, keypair: tuple[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert _identity(["migrate"], pg_url, tmp_path).returncode == 0
    made = _identity(["create-admin", "--username", "Admin-Liu", "--name", "刘主任",
                      "--password-stdin"], pg_url, tmp_path, stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    assert "admin-liu" in made.stdout and PASSWORD not in made.stdout + made.stderr

    monkeypatch.setenv("IDENTITY_SIGNING_KEY", keypair[0])
    ctx = service_context(definition, pg_url, public_key=keypair[1])
    client = ctx.create_app().test_client()
    login = client.post("/login", json={"username": "admin-liu", "password": PASSWORD})
    assert login.status_code == 200, login.get_json()
    token = login.get_json()["access_token"]
    staff = client.get("/users?role=staff", headers={"Authorization": f"Bearer {token}"})
    assert staff.status_code == 200, staff.get_json()
    assert [(u["username"], u["display_name"], u["role"]) for u in staff.get_json()["items"]] \
        == [("admin-liu", "刘主任", "staff")]
    ctx.engine.dispose()


def test_create_admin_refuses_weak_taken_and_missing_passwords(
        pg_url: str, tmp_path: Path) -> None:
    assert _identity(["migrate"], pg_url, tmp_path).returncode == 0
    weak = _identity(["create-admin", "--username", "root"], pg_url, tmp_path,
                     password="short")
    assert weak.returncode == 1 and "密码至少" in weak.stderr
    # no terminal, no variable, no --password-stdin: it says how, and makes nobody
    none = _identity(["create-admin", "--username", "root"], pg_url, tmp_path)
    assert none.returncode == 2 and "IDENTITY_ADMIN_PASSWORD" in none.stderr
    first = _identity(["create-admin", "--username", "root"], pg_url, tmp_path,
                      password=PASSWORD)
    assert first.returncode == 0, first.stderr
    again = _identity(["create-admin", "--username", "root"], pg_url, tmp_path,
                      password=PASSWORD + "x")
    assert again.returncode == 1 and "用户名已存在" in again.stderr

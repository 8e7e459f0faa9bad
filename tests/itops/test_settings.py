import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from itops.env import env_bool, env_choice, env_int, env_url


def import_settings_with(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ITOPS_")}
    environment["ITOPS_VAR_DIR"] = str(settings.VAR_DIR)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import itops.settings"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("PORT", "eighty", "PORT must be a whole number"),
        ("PORT", "70000", "PORT must be at most 65535"),
        ("ITOPS_DEBUG", "maybe", "ITOPS_DEBUG must be a boolean"),
        ("DATABASE_URL", "mysql://db/itops", "DATABASE_URL must be a URL with scheme"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be a URL with scheme"),
        ("ITOPS_LOG_LEVEL", "LOUD", "ITOPS_LOG_LEVEL must be one of"),
        ("ITOPS_SECRET_KEY", "short", "ITOPS_SECRET_KEY must be at least 50 characters"),
    ],
)
def test_a_bad_variable_stops_start_up_with_a_message_naming_it(variable, value, complaint):
    result = import_settings_with(**{variable: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def test_https_without_a_secret_key_is_refused():
    result = import_settings_with(ITOPS_HTTPS="1")

    assert result.returncode != 0
    assert "ITOPS_SECRET_KEY must be set when ITOPS_HTTPS is on" in result.stderr


def test_good_values_are_read_with_their_types(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    monkeypatch.setenv("X_COUNT", " 12 ")
    monkeypatch.setenv("X_MODE", "b")
    monkeypatch.setenv("X_URL", "redis://cache:6379/2")

    assert env_bool("X_FLAG", False) is True
    assert env_int("X_COUNT", 1, minimum=1) == 12
    assert env_choice("X_MODE", "a", {"a", "b"}) == "b"
    assert env_url("X_URL", {"redis"}) == "redis://cache:6379/2"
    assert env_int("X_MISSING", 7) == 7


def test_a_number_below_its_minimum_is_refused(monkeypatch):
    monkeypatch.setenv("X_COUNT", "0")

    with pytest.raises(ImproperlyConfigured, match="X_COUNT must be at least 1"):
        env_int("X_COUNT", 5, minimum=1)


def test_deploy_checks_are_clean_with_production_settings():
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ITOPS_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    environment.update(
        ITOPS_VAR_DIR=str(settings.VAR_DIR),
        ITOPS_HTTPS="1",
        ITOPS_SECRET_KEY="k" * 20 + "-production-secret-key-for-the-deploy-check-0123456789",
        ITOPS_ALLOWED_HOSTS="itops.example.com",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_environment_variable_is_documented():
    """The README's table and .env.example list every variable the code reads."""
    root = Path(__file__).resolve().parents[2]
    read_by_code = set()
    for package in ("itops", "cmdb", "servicedesk", "changes", "slas", "monitoring"):
        for source in (root / package).rglob("*.py"):
            read_by_code |= set(re.findall(r"\"(ITOPS_[A-Z0-9_]+)\"", source.read_text()))
    readme = (root / "README.md").read_text()
    env_example = (root / ".env.example").read_text()

    assert sorted(name for name in read_by_code if f"`{name}`" not in readme) == []
    assert sorted(name for name in read_by_code if f"{name}=" not in env_example) == []

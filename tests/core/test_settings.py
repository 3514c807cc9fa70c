"""Production settings pass `manage.py check --deploy`; development defaults never leak into production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "ITSM_TESTING": "0",
    "SECRET_KEY": "k8#Vq2!pL9zR4wX7mN1bT6yH3jF0sD5gA8cE2uI9oP4lK7nM1vB6xZ3qW0eR5tY8",
    "ALLOWED_HOSTS": "servicedesk.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://servicedesk.example.com",
    "DATABASE_URL": "postgres://itsm@db.example.com:5432/itsm",
    "REDIS_URL": "redis://cache.example.com:6379/0",
    "EMAIL_HOST": "smtp.example.com",
    "SITE_URL": "https://servicedesk.example.com",
}


def _manage(*args: str, env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    inherited = {"DEBUG", "ITSM_TESTING", "ALLOW_DEMO_DATA", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in inherited}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_check_deploy_passes_with_production_values():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_mail_links_would_point_at_localhost():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SITE_URL"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=env)
    assert result.returncode != 0
    assert "core.W001" in result.stderr and "SITE_URL is 'http://127.0.0.1:8000'" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = _manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_non_postgresql_database():
    env = {**PRODUCTION_ENV, "DATABASE_URL": "sqlite:///db.sqlite3"}
    result = _manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_seed_demo_is_refused_in_production():
    result = _manage("seed_demo", env_overrides=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "Demo data is disabled" in result.stderr

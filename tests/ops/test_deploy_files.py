"""The installation files are valid: compose.yaml (docker-compose's own schema check), the
systemd units (``systemd-analyze verify``), the Caddyfile (``caddy adapt``), publiccode.yml
(a schema check of the standard's required parts, written here), .env.example (every
setting), LICENSE (the EUPL-1.2 text).

The tools are Debian packages that ``.ci/deploy-deps.sh`` installs; without one a test skips
with the reason, unless SAMENKRACHT_REQUIRE_DEPLOY_TOOLS is set (CI), where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
VENV_SAMENKRACHT = str(Path(sys.executable).with_name("samenkracht"))


def _tool(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    reason = f"{' or '.join(names)} is not installed (bash .ci/deploy-deps.sh)"
    if os.environ.get("SAMENKRACHT_REQUIRE_DEPLOY_TOOLS"):
        pytest.fail("SAMENKRACHT_REQUIRE_DEPLOY_TOOLS is set but " + reason)
    pytest.skip(reason)


def test_env_example_lists_every_setting_with_a_comment():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    lines = text.splitlines()
    listed = {}
    for number, line in enumerate(lines):
        found = re.match(r"^(?:# )?([A-Z][A-Z0-9_]+)=", line)
        if found:
            listed[found.group(1)] = number
    settings = {name.upper() for name in Settings.model_fields}
    assert settings <= set(listed), settings - set(listed)
    for name, number in listed.items():
        # each setting has a comment line of its own above it (or above its group's first)
        above = lines[number - 1]
        assert above.startswith("#") or re.match(r"^[A-Z_]+=", above), name


def _compose_dir(tmp_path: Path, compose: str) -> Path:
    folder = tmp_path / "compose"
    (folder / "deploy").mkdir(parents=True)
    (folder / "secrets").mkdir()
    for name in ("telegram_bot_token", "samenkracht_encryption_key", "samenkracht_secret_key"):
        (folder / "secrets" / name).write_text("x\n")
    shutil.copy(ROOT / "deploy" / "Caddyfile", folder / "deploy" / "Caddyfile")
    (folder / "compose.yaml").write_text(compose)
    env = (ROOT / ".env.example").read_text()
    (folder / ".env").write_text(env)
    return folder


def _compose_config(tool: str, folder: Path) -> subprocess.CompletedProcess[str]:
    command = [tool, "config"] if "podman" in tool else [tool, "config", "-q"]
    return subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=60, check=False
    )


def test_compose_file_is_valid(tmp_path: Path):
    tool = _tool("docker-compose", "podman-compose")
    compose = (ROOT / "compose.yaml").read_text()
    result = _compose_config(tool, _compose_dir(tmp_path, compose))
    assert result.returncode == 0, result.stderr
    # The check is real: a wrong key is refused.
    broken = compose.replace("    restart: unless-stopped\n", "    restarts: always\n", 1)
    refused = _compose_config(tool, _compose_dir(tmp_path / "broken", broken))
    assert refused.returncode != 0


def test_compose_runs_the_bot_as_the_issue_asks():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    bot = compose["services"]["bot"]
    assert bot["environment"]["WEBHOOK_WORKERS"] == "2"
    assert bot["command"] == ["run", "--webhook"]
    assert "healthcheck" in compose["services"]["db"]
    assert "db-data:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "handle /telegram {" in caddyfile and "handle /beheer/* {" in caddyfile


def test_caddyfile_adapts(tmp_path: Path):
    caddy = _tool("caddy")
    result = subprocess.run(
        [caddy, "adapt", "--config", str(ROOT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
        env={**os.environ, "SAMENKRACHT_DOMAIN": "samenkracht.example.org", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "samenkracht.example.org" in result.stdout
    assert "/beheer/*" in result.stdout and "/telegram" in result.stdout


def _units(tmp_path: Path) -> list[Path]:
    """The units with ExecStart pointing at this checkout's samenkracht (verify needs it)."""
    folder = tmp_path / "units"
    folder.mkdir()
    copies = []
    for unit in sorted(UNITS.iterdir()):
        text = unit.read_text().replace("/opt/samenkracht/.venv/bin/samenkracht", VENV_SAMENKRACHT)
        target = folder / unit.name
        target.write_text(text)
        copies.append(target)
    return copies


def _verify(tool: str, units: list[Path]) -> subprocess.CompletedProcess[str]:
    names = [
        str(u.with_name(u.name.replace("@.", "@8441."))) if "@." in u.name else str(u)
        for u in units
    ]
    for unit, name in zip(units, names, strict=True):
        if name != str(unit):
            shutil.copy(unit, name)
    return subprocess.run(
        [tool, "verify", "--man=no", *names],
        cwd=units[0].parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_systemd_units_verify(tmp_path: Path):
    tool = _tool("systemd-analyze")
    result = _verify(tool, _units(tmp_path))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    # The check is real: a wrong unit is refused.
    bad = tmp_path / "bad"
    bad.mkdir()
    unit = bad / "samenkracht-migrate.service"
    unit.write_text(
        (UNITS / "samenkracht-migrate.service")
        .read_text()
        .replace("/opt/samenkracht/.venv/bin/samenkracht", "/nonexistent/samenkracht")
    )
    assert _verify(tool, [unit]).returncode != 0


def test_systemd_units_are_hardened():
    for name in (
        "samenkracht@.service",
        "samenkracht-migrate.service",
        "samenkracht-outbox.service",
    ):
        text = (UNITS / name).read_text()
        for line in (
            "DynamicUser=yes",
            "ProtectSystem=strict",
            "NoNewPrivileges=yes",
            "PrivateTmp=yes",
            "LoadCredential=samenkracht_encryption_key:",
        ):
            assert line in text, (name, line)


# -- publiccode.yml -----------------------------------------------------------------------

# The parts of the publiccode.yml standard 0.4 (https://yml.publiccode.tools) that are
# required, with their types; written here because no validator installs from PyPI/Debian.
REQUIRED_TOP = {
    "publiccodeYmlVersion": str,
    "name": str,
    "url": str,
    "platforms": list,
    "developmentStatus": str,
    "softwareType": str,
    "description": dict,
    "legal": dict,
    "maintenance": dict,
    "localisation": dict,
}
DEVELOPMENT_STATUS = {"concept", "development", "beta", "stable", "obsolete"}
SOFTWARE_TYPES = {
    "standalone/mobile",
    "standalone/iot",
    "standalone/desktop",
    "standalone/web",
    "standalone/backend",
    "standalone/other",
    "addon",
    "library",
    "configurationFiles",
}
MAINTENANCE_TYPES = {"internal", "contract", "community", "none"}


def _publiccode_problems(data: Any) -> list[str]:
    problems = []
    if not isinstance(data, dict):
        return ["not a mapping"]
    for key, kind in REQUIRED_TOP.items():
        if not isinstance(data.get(key), kind):
            problems.append(f"{key}: missing or not a {kind.__name__}")
    if problems:
        return problems
    if data["publiccodeYmlVersion"] not in ("0.2", "0.3", "0.4"):
        problems.append("publiccodeYmlVersion: unknown")
    if not data["url"].startswith("https://"):
        problems.append("url: must be https://")
    if data["developmentStatus"] not in DEVELOPMENT_STATUS:
        problems.append("developmentStatus: not one of the standard's values")
    if data["softwareType"] not in SOFTWARE_TYPES:
        problems.append("softwareType: not one of the standard's values")
    for language, description in data["description"].items():
        if not re.fullmatch(r"[a-z]{2,3}", language):
            problems.append(f"description.{language}: not a language code")
            continue
        short = description.get("shortDescription", "")
        long = description.get("longDescription", "")
        if not isinstance(short, str) or not 1 <= len(short) <= 150:
            problems.append(f"description.{language}.shortDescription: 1-150 characters")
        if not isinstance(long, str) or not 150 <= len(long) <= 10000:
            problems.append(f"description.{language}.longDescription: 150-10000 characters")
        features = description.get("features", [])
        if not isinstance(features, list) or any(len(f) > 100 for f in features):
            problems.append(f"description.{language}.features: a list, each up to 100")
    if not isinstance(data["legal"].get("license"), str):
        problems.append("legal.license: missing")
    maintenance = data["maintenance"]
    if maintenance.get("type") not in MAINTENANCE_TYPES:
        problems.append("maintenance.type: not one of the standard's values")
    if maintenance.get("type") in ("internal", "contract") and not maintenance.get("contacts"):
        problems.append("maintenance.contacts: required for internal or contract")
    localisation = data["localisation"]
    if not isinstance(localisation.get("localisationReady"), bool):
        problems.append("localisation.localisationReady: a boolean")
    if not localisation.get("availableLanguages"):
        problems.append("localisation.availableLanguages: required")
    for kind in ("open", "proprietary", "hardware"):
        for dependency in data.get("dependsOn", {}).get(kind, []):
            if not isinstance(dependency.get("name"), str):
                problems.append(f"dependsOn.{kind}: each needs a name")
    return problems


def test_publiccode_yml_has_what_the_standard_requires():
    data = yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))
    assert _publiccode_problems(data) == []
    assert set(data["description"]) == {"nl", "en"}
    assert data["legal"]["license"] == "EUPL-1.2"
    names = {d["name"] for kind in data["dependsOn"].values() for d in kind}
    assert {"PostgreSQL", "Telegram Bot API"} <= names
    # The check is real.
    del data["maintenance"]["contacts"]
    data["description"]["en"]["longDescription"] = "too short"
    assert len(_publiccode_problems(data)) == 2


def test_license_is_the_eupl_1_2():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith(
        "EUROPEAN UNION PUBLIC LICENCE v. 1.2\nEUPL © the European Union 2007, 2016"
    )
    assert (
        "15.Applicable Law" in text and "‘Compatible Licences’ according to Article 5 EUPL" in text
    )
    assert text.rstrip().endswith("require the production of a new EUPL version.")

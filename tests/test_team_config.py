"""A team's settings: one source, in order flags → PHOTOLOT_* → the JSON file; bad values
named, nothing started; `photolot serve` / `photolot worker` refuse half a team."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from desktopapp.commands.team import team_settings
from desktopapp.platform.settings import Settings
from desktopapp.platform.team_config import TeamConfig, TeamConfigError, resolve_team_config

REPO = Path(__file__).resolve().parents[1]
PG = "postgresql://photolot@db:5432/photolot"
REDIS = "redis://queue:6379/0"


def test_flags_then_environment_then_file(tmp_path):
    file = tmp_path / "team.json"
    file.write_text(json.dumps({"database": PG, "queue": REDIS, "store": "/mnt/a", "port": 9000}))
    from_file = resolve_team_config({"config": str(file)}, {})
    assert from_file == TeamConfig(PG, REDIS, Path("/mnt/a"), port=9000)
    env = {"PHOTOLOT_STORE": "/mnt/b", "PHOTOLOT_PORT": "9100", "PHOTOLOT_TEAM_CONFIG": str(file)}
    from_env = resolve_team_config({}, env)
    assert (from_env.store, from_env.port, from_env.database) == (Path("/mnt/b"), 9100, PG)
    flags = {"store": "/mnt/c", "workers": 4, "lease_seconds": 5.0}
    from_flags = resolve_team_config(flags, env)
    assert (from_flags.store, from_flags.workers, from_flags.lease_seconds) == (
        Path("/mnt/c"),
        4,
        5.0,
    )
    assert resolve_team_config({}, {}) == TeamConfig()  # nothing: the embedded engines
    assert not TeamConfig().team


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        ({"database": "mysql://x/y", "queue": REDIS, "store": "/s"}, "postgresql://"),
        ({"database": PG, "queue": "amqp://q", "store": "/s"}, "redis://"),
        ({"database": PG}, "together"),
        ({"queue": REDIS}, "needs --database"),
        ({"database": PG, "queue": REDIS, "store": "/s", "port": 70000}, "port"),
        ({"database": PG, "queue": REDIS, "store": "/s", "workers": "many"}, "workers"),
        ({"database": PG, "queue": REDIS, "store": "/s", "lease_seconds": 0}, "lease"),
        ({"public_names": "server.office:8765"}, "no port"),
        ({"public_names": "bad name"}, "not a host name"),
        ({"public_names": "ftp://photolot.office"}, "http"),
        ({"public_names": "https://photolot.office/app"}, "path"),
    ],
)
def test_bad_values_are_named(flags, words):
    with pytest.raises(TeamConfigError, match=words):
        resolve_team_config(flags, {})


def test_a_broken_or_unknown_file_is_refused(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(TeamConfigError, match="cannot be read"):
        resolve_team_config({"config": str(broken)}, {})
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"databse": PG}))
    with pytest.raises(TeamConfigError, match="unknown settings: databse"):
        resolve_team_config({"config": str(odd)}, {})


def test_public_names_from_a_list_and_by_default_the_machines(tmp_path):
    config = resolve_team_config({"public_names": "Server.Office, 10.0.0.5,"}, {})
    assert config.public_names == ("server.office", "10.0.0.5")
    proxy = resolve_team_config({"public_names": "https://PhotoLot.office/"}, {})
    assert proxy.public_names == ("https://photolot.office",)
    base = Settings(data_dir=tmp_path / "data")
    assert team_settings("serve", base, config).public_names == config.public_names
    loopback = team_settings("serve", base, TeamConfig(host="127.0.0.1"))
    assert loopback.public_names == ()  # nobody else can reach it
    network = team_settings("serve", base, TeamConfig(host="0.0.0.0"))
    assert socket.gethostname().lower() in network.public_names
    assert "0.0.0.0" not in network.public_names
    one_address = team_settings("serve", base, TeamConfig(host="10.0.0.7"))
    assert "10.0.0.7" in one_address.public_names


def test_a_teams_server_runs_no_workers_unless_asked(tmp_path):
    team = TeamConfig(PG, REDIS, tmp_path / "store")
    base = Settings(data_dir=tmp_path / "data", workers=8)
    serve = team_settings("serve", base, team)
    assert serve.team and serve.workers == 0 and serve.store_dir == tmp_path / "store"
    assert serve.paths.store == tmp_path / "store" / "photos"
    assert serve.paths.token == tmp_path / "store" / "token"  # shared by the team's servers
    assert serve.paths.logs == tmp_path / "data" / "logs"  # each process its own
    assert team_settings("worker", base, team).workers == 8
    embedded = team_settings("serve", base, TeamConfig())
    assert not embedded.team and embedded.workers == 8


def test_the_commands_refuse_half_a_team_before_starting(tmp_path):
    run = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "serve", "--database", PG],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert run.returncode == 2 and "--database, --queue and --store together" in run.stderr
    run = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--data-dir", str(tmp_path), "worker"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert run.returncode == 2 and "--database, --queue and --store" in run.stdout

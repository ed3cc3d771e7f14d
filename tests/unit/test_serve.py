"""scripts/serve.py without servers: nginx's configuration, as nginx itself checks it."""

from __future__ import annotations

import re
import subprocess

import pytest

from scripts.serve import TEMPLATE, _tool, nginx_config


@pytest.fixture
def rendered(tmp_path):
    (tmp_path / "temp").mkdir()
    text = nginx_config(tmp_path, "127.0.0.1:18080", [8601, "10.0.0.5:8501"], 20, as_root=True)
    (tmp_path / "nginx.conf").write_text(text)
    return tmp_path, text


def test_every_placeholder_is_filled(rendered):
    _, text = rendered
    assert len(re.findall(r"@[A-Z_]+@", TEMPLATE.read_text())) >= 8
    assert re.findall(r"@[A-Z_]+@", text) == []
    assert "client_max_body_size 21m;" in text
    assert "listen 127.0.0.1:18080;" in text
    assert "user root;" in text


def test_each_server_has_a_name_a_pinned_upstream_with_backups(rendered):
    _, text = rendered
    assert "s1 softmax_lab_s1;" in text and "s2 softmax_lab_s2;" in text
    pinned = text.split("upstream softmax_lab_s2 {")[1].split("}")[0]
    assert "server 10.0.0.5:8501;" in pinned
    assert "server 127.0.0.1:8601 backup;" in pinned
    assert r'"~(^|\s)10\.0\.0\.5:8501$" s2;' in text


def test_nginx_accepts_the_configuration(rendered):
    run, _ = rendered
    command = [_tool("nginx"), "-t", "-p", str(run), "-c", str(run / "nginx.conf")]
    check = subprocess.run(
        [*command, "-e", str(run / "nginx-error.log")], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr

"""The desk's Streamlit settings (.streamlit/config.toml) are options Streamlit 1.67 knows, and its
file watcher is off (limited to the code when turned on)."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_file_watcher_off_and_every_option_known():
    from streamlit import config

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    known = set(config._config_options_template)
    options = {f"{section}.{k}" for section, values in cfg.items() for k in values}
    assert options <= known, options - known
    assert cfg["server"]["fileWatcherType"] == "none"
    assert {".venv", "data"} <= set(cfg["server"]["folderWatchBlacklist"])
    assert config._config_options_template["server.fileWatcherType"].type == str

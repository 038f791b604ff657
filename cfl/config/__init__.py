"""Project configuration: ``cfl.toml``, found from the working folder upward or named by
``$CFL_CONFIG``, holding the settings a project repeats on every command (resolver, trust
list, anchor, revocation lists, trust store, key, ledger, templates, rules)."""

from __future__ import annotations

from cfl.config.project import (
    CONFIG_ENV,
    CONFIG_FILE,
    KEYS,
    ConfigKey,
    ProjectConfig,
    Setting,
    find_config_file,
    load_project_config,
    parse_config,
)

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILE",
    "KEYS",
    "ConfigKey",
    "ProjectConfig",
    "Setting",
    "find_config_file",
    "load_project_config",
    "parse_config",
]

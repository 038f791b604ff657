"""``cfl config show``, and how ``cfl.toml`` values become the defaults of command options.

Each key of ``cfl.toml`` (:data:`cfl.config.KEYS`) is the default of the option of the same
name on the commands listed in :data:`APPLIES_TO`, through click's default map: an option
given on the command line wins, and ``cfl config show`` says what is in effect and where it
came from.
"""

from __future__ import annotations

from typing import Any

import click

from cfl.cli.jsonout import json_document
from cfl.cli.options import format_option
from cfl.cli.ui import ui
from cfl.config import KEYS, ProjectConfig, load_project_config

#: Key of the click context's ``meta`` holding the :class:`ProjectConfig` of the run.
CONFIG_META = "cfl.config"

#: cfl.toml key → the commands (space-separated path) and parameter it is the default of.
APPLIES_TO: dict[str, tuple[tuple[str, str], ...]] = {
    "resolver": (("label", "resolver"), ("claim", "resolver")),
    "trust": (("verify", "trust_list"), ("page build", "trust_list"), ("label", "trust_list")),
    "anchor": (("verify", "anchor"), ("page build", "anchor"), ("label", "anchor")),
    "revocations": (("verify", "revocations"), ("page build", "revocations")),
    "status-lists": (("verify", "status_lists"), ("page build", "status_lists")),
    "trust-store": (("verify", "trust_store"),),
    "key": (("sign", "key"), ("revoke", "key"), ("attest", "key")),
    "ledger": (("sign", "ledger"), ("revoke", "ledger")),
    "template": (("label", "template"),),
    "templates": (),  # where `cfl label --template NAME` finds NAME.yaml first
    "rules": (("check", "rules"), ("grade", "rules"), ("convert", "rules"),
              ("rulesets list", "rules"), ("rulesets show", "rules")),
}


#: What a command does when a key is neither set nor given as an option (for `config show`).
DEFAULTS = {
    "resolver": "the trust list's resolver, else the placeholder HTTPS://CFL.EXAMPLE/V/, "
                "which cfl label warns about",
    "trust": "the last trust list accepted for the anchor (cfl verify's trust store)",
    "anchor": "none: cfl verify and cfl page build then need --anchor",
    "revocations": "none: a verification without revocation lists is INDETERMINATE",
    "status-lists": "none: a format-2 claim without its certifier's status list is "
                    "INDETERMINATE",
    "trust-store": "the user cache folder (e.g. ~/.cache/cfl/trust)",
    "key": "none: signing commands then need --key",
    "ledger": "ledger.jsonl in the key folder",
    "template": "standard",
    "templates": "none: only the built-in templates and .yaml files",
    "rules": "the shipped rule sets (and $CFL_RULES)",
}


def config_defaults(config: ProjectConfig) -> dict[str, Any]:
    """The click default map (command → sub-command → parameter → value) of ``config``.

    ``revocations`` is also the default list ``cfl revoke`` writes when it names exactly
    one file (a certifier's own project), and ``status-lists`` so the default status list."""
    defaults: dict[str, Any] = {}
    for key, targets in APPLIES_TO.items():
        setting = config.settings.get(key)
        if setting is None:
            continue
        for command, parameter in targets:
            node = defaults
            for part in command.split():
                node = node.setdefault(part, {})
            node[parameter] = setting.value
    revocations = config.settings.get("revocations")
    if revocations is not None and len(revocations.value) == 1:
        defaults.setdefault("revoke", {})["output"] = revocations.value[0]
    status_lists = config.settings.get("status-lists")
    if status_lists is not None and len(status_lists.value) == 1:
        defaults.setdefault("revoke", {})["status_list"] = status_lists.value[0]
    return defaults


def project_config(ctx: click.Context) -> ProjectConfig:
    """The configuration of this run (read by the ``cfl`` group; read here if the command
    was invoked on its own, as tests do)."""
    root = ctx.find_root()
    config = root.meta.get(CONFIG_META)
    if not isinstance(config, ProjectConfig):
        config = load_project_config()
        root.meta[CONFIG_META] = config
    return config


@click.group()
def config() -> None:
    """The project configuration (cfl.toml): what is in effect, and where it came from."""


@config.command("show")
@format_option
@click.pass_context
def show(ctx: click.Context, output_format: str) -> None:
    """Show every cfl.toml key: its value in effect, where it was set and which commands
    use it. Options on a command line override these values."""
    loaded = project_config(ctx)
    rows = []
    for key in KEYS:
        setting = loaded.settings.get(key.name)
        used_by = sorted({command for command, _ in APPLIES_TO[key.name]})
        if key.name == "templates":
            used_by = ["label"]
        rows.append({
            "key": key.name,
            "value": (list(setting.value) if isinstance(setting.value, tuple)
                      else setting.value) if setting is not None else None,
            "origin": setting.origin if setting is not None else "not set",
            "usedBy": used_by,
            "description": key.description,
        })
    if output_format == "json":
        ui(ctx).result(json_document("config", {
            "file": str(loaded.path) if loaded.path is not None else None,
            "foundBy": loaded.found_by,
            "settings": rows,
        }), nl=False)
        return
    out = ui(ctx)
    out.result(f"configuration: {loaded.path or 'none'} ({loaded.found_by})")
    for key in KEYS:
        setting = loaded.settings.get(key.name)
        if setting is None:
            shown = f"not set (default: {DEFAULTS[key.name]})"
        else:
            value = setting.value
            shown = (", ".join(value) if isinstance(value, tuple) else value) + \
                f"  ({setting.origin})"
        used_by = ["label"] if key.name == "templates" else sorted(
            {command for command, _ in APPLIES_TO[key.name]})
        out.result(f"  {key.name:12} {shown}")
        out.result(f"  {'':12} {key.description}; used by "
                   f"{', '.join('cfl ' + c for c in used_by)}")

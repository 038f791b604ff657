"""The disclosure register (``cfl serve``): storage (SQLite, PostgreSQL), publishing, the
resolver page, the public register pages and feeds, and the PACT v3 API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cfl.lazy import lazy_exports

if TYPE_CHECKING:
    from cfl.register.app import Register, create_app
    from cfl.register.config import RegisterConfig, load_config
    from cfl.register.publish import PublishOutcome, PublishRefused, publish
    from cfl.register.server import application, build_register, serve
    from cfl.register.storage import RegisterStorage, SqlStorage

_HOMES = {
    "PublishOutcome": "cfl.register.publish",
    "PublishRefused": "cfl.register.publish",
    "Register": "cfl.register.app",
    "RegisterConfig": "cfl.register.config",
    "RegisterStorage": "cfl.register.storage",
    "SqlStorage": "cfl.register.storage",
    "application": "cfl.register.server",
    "build_register": "cfl.register.server",
    "create_app": "cfl.register.app",
    "load_config": "cfl.register.config",
    "publish": "cfl.register.publish",
    "serve": "cfl.register.server",
}
__all__ = [
    "PublishOutcome",
    "PublishRefused",
    "Register",
    "RegisterConfig",
    "RegisterStorage",
    "SqlStorage",
    "application",
    "build_register",
    "create_app",
    "load_config",
    "publish",
    "serve",
]
__getattr__ = lazy_exports("cfl.register", _HOMES)

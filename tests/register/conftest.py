"""Fixtures of the register tests: the world, storage on each engine, running servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from register_world import (
    RegisterWorld,
    RunningRegister,
    fresh_database,
    make_world,
    postgres_server_url,
    start_register,
)

from cfl.register.config import database_url
from cfl.register.storage import SqlStorage

ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> RegisterWorld:
    return make_world(tmp_path_factory.mktemp("register-world"), count=4)


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL (as ``cfl serve --db`` takes it) on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'register.sqlite3'}"
        return
    with fresh_database(postgres_server_url()) as url:
        yield url


@pytest.fixture()
def storage(database: str) -> Iterator[SqlStorage]:
    opened = SqlStorage.open(database_url(database))
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module", params=ENGINES)
def tls_register(request: pytest.FixtureRequest, world: RegisterWorld,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegister]:
    """``cfl serve`` over HTTPS on each engine, with the world's bundles published."""
    folder = tmp_path_factory.mktemp(f"serve-{request.param}")
    if request.param == "sqlite":
        running = start_register(world, folder)
        try:
            yield running
        finally:
            running.stop()
        return
    with fresh_database(postgres_server_url()) as url:
        running = start_register(world, folder, database=url)
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def http_register(world: RegisterWorld, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[RunningRegister]:
    """``cfl serve`` over plain HTTP (the embedded default, as one command starts it)."""
    running = start_register(world, tmp_path_factory.mktemp("serve-http"), tls=False)
    try:
        yield running
    finally:
        running.stop()

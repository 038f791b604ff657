"""Alembic environment of the register: migrations run on the connection the register hands
over (``config.attributes["connection"]``), never on a URL read from a file."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()

"""Alembic migrations of the register database (run by :func:`cfl.register.storage.migrate`)."""

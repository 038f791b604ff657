"""The register's first tables: declarations, their documents and keys, revocation lists, the feed,
the trust store, PACT clients, tokens, events and the outbox.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "declarations",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("declaration_id", sa.String(100), nullable=False, unique=True),
        sa.Column("published_at", sa.BigInteger, nullable=False),
        sa.Column("certifier_kid", sa.String(100), nullable=False),
        sa.Column("certifier_name", sa.String(300), nullable=False),
        sa.Column("company_name", sa.String(500), nullable=False),
        sa.Column("product_category", sa.String(100), nullable=False),
        sa.Column("rule_set", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("valid_from", sa.BigInteger, nullable=False),
        sa.Column("valid_until", sa.BigInteger, nullable=False),
        sa.Column("title", sa.String(1000), nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("bundle_sha256", sa.String(64), nullable=False),
    )
    op.create_index("ix_declarations_category", "declarations", ["product_category", "seq"])
    op.create_index("ix_declarations_rule_set", "declarations", ["rule_set", "seq"])
    op.create_index("ix_declarations_certifier", "declarations", ["certifier_kid", "seq"])
    op.create_index("ix_declarations_company", "declarations", ["company_name", "seq"])
    op.create_table(
        "documents",
        sa.Column("seq", sa.Integer, sa.ForeignKey("declarations.seq"), primary_key=True),
        sa.Column("bundle", sa.LargeBinary, nullable=False),
        sa.Column("footprint", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "declaration_keys",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(500), primary_key=True),
        sa.Column("seq", sa.Integer, sa.ForeignKey("declarations.seq"), primary_key=True),
    )
    op.create_table(
        "revocation_lists",
        sa.Column("issuer", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("document", sa.LargeBinary, nullable=False),
        sa.Column("published_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "revoked",
        sa.Column("issuer", sa.String(100), primary_key=True),
        sa.Column("declaration_key", sa.String(100), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("revoked_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "feed",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("declaration_id", sa.String(100), nullable=False),
        sa.Column("digest", sa.String(64)),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "trust_files",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("document", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "clients",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.String(200), nullable=False),
        sa.Column("scopes", sa.String(300), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("events_url", sa.Text),
        sa.Column("events_token_url", sa.Text),
        sa.Column("events_client_id", sa.String(300)),
        sa.Column("events_client_secret", sa.Text),
    )
    op.create_table(
        "access_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(64),
                  sa.ForeignKey("clients.client_id", ondelete="CASCADE"), nullable=False),
        sa.Column("scopes", sa.String(300), nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_access_tokens_client", "access_tokens", ["client_id"])
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("event_id", sa.String(500), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("received_at", sa.BigInteger, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("client_id", "source", "event_id", name="uq_events_origin"),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "next_attempt_at"])


def downgrade() -> None:
    for index, table in (("ix_outbox_due", "outbox"),
                         ("ix_access_tokens_client", "access_tokens")):
        op.drop_index(index, table_name=table)
    for table in ("outbox", "events", "access_tokens", "clients", "trust_files", "feed",
                  "revoked", "revocation_lists", "declaration_keys", "documents"):
        op.drop_table(table)
    for index in ("ix_declarations_category", "ix_declarations_rule_set",
                  "ix_declarations_certifier", "ix_declarations_company"):
        op.drop_index(index, table_name="declarations")
    op.drop_table("declarations")

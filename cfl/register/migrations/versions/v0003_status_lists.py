"""Status lists and format-2 claim bindings: the newest status list of each certifier, and
the binding each disclosed bundle's certifier signature gives a format-2 claim (computed for
the bundles already held).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cfl.bundle.model import parse_bundle
from cfl.claim.model import binding_digest
from cfl.errors import CflError

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_lists",
        sa.Column("issuer", sa.String(100), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("document", sa.LargeBinary, nullable=False),
        sa.Column("published_at", sa.BigInteger, nullable=False),
    )
    with op.batch_alter_table("declarations") as batch:
        batch.add_column(sa.Column("claim_binding", sa.String(32)))
    op.create_index("ix_declarations_claim_binding", "declarations", ["claim_binding"])
    _bind_existing()


def _bind_existing() -> None:
    """The binding of every bundle held before: its certifier signature's (the register
    accepted only bundles with one; the one it indexed is the first whose kid it names)."""
    connection = op.get_bind()
    declarations = sa.table("declarations", sa.column("seq", sa.Integer),
                            sa.column("certifier_kid", sa.String),
                            sa.column("claim_binding", sa.String))
    documents = sa.table("documents", sa.column("seq", sa.Integer),
                         sa.column("bundle", sa.LargeBinary))
    rows = connection.execute(sa.select(declarations.c.seq, declarations.c.certifier_kid,
                                        documents.c.bundle)
                              .select_from(declarations.join(
                                  documents, documents.c.seq == declarations.c.seq))).all()
    for seq, kid, data in rows:
        binding = binding_of(bytes(data), kid)
        if binding is not None:
            connection.execute(sa.update(declarations).where(declarations.c.seq == seq)
                               .values(claim_binding=binding))


def binding_of(data: bytes, certifier_kid: str) -> str | None:
    try:
        bundle = parse_bundle(data)
    except CflError:
        return None
    for entry in bundle.signatures:
        if entry.role == "certifier" and entry.kid == certifier_kid:
            return binding_digest(bundle.digest, entry.signature).hex()
    return None


def downgrade() -> None:
    op.drop_index("ix_declarations_claim_binding", table_name="declarations")
    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("claim_binding")
    op.drop_table("status_lists")

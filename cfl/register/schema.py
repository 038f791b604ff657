"""The register's tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

The Alembic migrations in ``cfl/register/migrations/versions`` create exactly these tables
(``tests/register/test_storage.py`` compares them). Times are whole seconds since the Unix
epoch (``BigInteger``), so both engines compare them the same way; text that is matched
without regard to case is stored lower-cased beside the original.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

#: One row per disclosed declaration: what it is found by. Narrow on purpose (the documents
#: are in :data:`documents`), so that a search scans a few pages per thousand rows.
declarations = Table(
    "declarations", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("declaration_id", String(100), nullable=False, unique=True),
    Column("published_at", BigInteger, nullable=False),
    Column("certifier_kid", String(100), nullable=False),
    Column("certifier_name", String(300), nullable=False),
    Column("company_name", String(500), nullable=False),
    Column("product_category", String(100), nullable=False),
    Column("rule_set", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("valid_from", BigInteger, nullable=False),
    Column("valid_until", BigInteger, nullable=False),
    Column("title", String(1000), nullable=False),
    Column("search_text", Text, nullable=False),
    Column("bundle_sha256", String(64), nullable=False),
    #: The binding a format-2 claim names its bundle by (hex of 16 bytes, ADR 0142): from
    #: the certifier signature the register accepted (ADR 0143).
    Column("claim_binding", String(32)),
)
Index("ix_declarations_category", declarations.c.product_category, declarations.c.seq)
Index("ix_declarations_rule_set", declarations.c.rule_set, declarations.c.seq)
Index("ix_declarations_certifier", declarations.c.certifier_kid, declarations.c.seq)
Index("ix_declarations_company", declarations.c.company_name, declarations.c.seq)
Index("ix_declarations_claim_binding", declarations.c.claim_binding)

#: The bundle exactly as published and the declaration as the PACT API serves it (compact
#: JSON, made once when it is published), one row per declaration.
documents = Table(
    "documents", metadata,
    Column("seq", Integer, ForeignKey("declarations.seq"), primary_key=True),
    Column("bundle", LargeBinary, nullable=False),
    Column("footprint", LargeBinary, nullable=False),
)

#: The multi-valued fields a declaration is found by (lower-cased): ``product`` ids,
#: ``company`` ids, ``classification`` URNs, ``geography`` codes.
declaration_keys = Table(
    "declaration_keys", metadata,
    Column("kind", String(16), primary_key=True),
    Column("value", String(500), primary_key=True),
    Column("seq", Integer, ForeignKey("declarations.seq"), primary_key=True),
)

#: The newest accepted revocation list of each certifier, as published.
revocation_lists = Table(
    "revocation_lists", metadata,
    Column("issuer", String(100), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("document", LargeBinary, nullable=False),
    Column("published_at", BigInteger, nullable=False),
)

#: The newest accepted status list of each certifier, as published (ADR 0143).
status_lists = Table(
    "status_lists", metadata,
    Column("issuer", String(100), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("document", LargeBinary, nullable=False),
    Column("published_at", BigInteger, nullable=False),
)

#: The entries of those lists: declaration keys (canonical UUID text) per certifier.
revoked = Table(
    "revoked", metadata,
    Column("issuer", String(100), primary_key=True),
    Column("declaration_key", String(100), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("revoked_at", BigInteger, nullable=False),
)

#: What subscribers follow: every disclosure and every revocation, in order.
feed = Table(
    "feed", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("declaration_id", String(100), nullable=False),
    Column("digest", String(64)),
    Column("at", BigInteger, nullable=False),
    Column("detail", Text, nullable=False),
)

#: The register's trust store (:class:`cfl.trust.store.TrustStore` names → accepted bytes).
trust_files = Table(
    "trust_files", metadata,
    Column("name", String(200), primary_key=True),
    Column("document", LargeBinary, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

#: PACT API clients (OAuth2 client credentials; the secret only as a salted hash) and where
#: to send them the answers to their requests.
clients = Table(
    "clients", metadata,
    Column("client_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("secret_hash", String(200), nullable=False),
    Column("scopes", String(300), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("events_url", Text),
    Column("events_token_url", Text),
    Column("events_client_id", String(300)),
    Column("events_client_secret", Text),
)

#: Issued access tokens (SHA-256 of the token, never the token).
access_tokens = Table(
    "access_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("client_id", String(64), ForeignKey("clients.client_id", ondelete="CASCADE"),
           nullable=False),
    Column("scopes", String(300), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)
Index("ix_access_tokens_client", access_tokens.c.client_id)

#: PACT events received (CloudEvents, kept as sent).
events = Table(
    "events", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(64), nullable=False),
    Column("source", String(500), nullable=False),
    Column("event_id", String(500), nullable=False),
    Column("type", String(200), nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("body", LargeBinary, nullable=False),
    UniqueConstraint("client_id", "source", "event_id", name="uq_events_origin"),
)

#: PACT events to send (answers to requests), retried with backoff until delivered or given
#: up.
outbox = Table(
    "outbox", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_error", Text),
)
Index("ix_outbox_due", outbox.c.state, outbox.c.next_attempt_at)

#: The transparency log (docs/transparency-log.md): one row, the log's origin and its size.
#: Appends lock this row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite has one writer), so
#: entries get consecutive indexes whichever process appends them.
log_state = Table(
    "log_state", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("origin", String(256), nullable=False),
    Column("size", BigInteger, nullable=False),
)

#: The log's entries (fixed-layout bytes, cfl.log.entries), by index; ``lookup`` is the hex
#: digest a proof is asked for by (the declaration digest of a bundle, the signed-content
#: digest of a list).
log_entries = Table(
    "log_entries", metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("entry", LargeBinary, nullable=False),
    Column("lookup", String(64), nullable=False),
)
Index("ix_log_entries_lookup", log_entries.c.lookup)

#: The hash of every complete subtree, by (level, index): written once, never changed.
log_hashes = Table(
    "log_hashes", metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
)

#: Every checkpoint the register signed (the signed note, with the witnesses' cosignatures).
log_checkpoints = Table(
    "log_checkpoints", metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("note", LargeBinary, nullable=False),
    Column("signed_at", BigInteger, nullable=False),
)

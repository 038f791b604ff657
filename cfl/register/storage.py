"""The register's storage: one small interface (:class:`RegisterStorage`) and its
implementation over SQLAlchemy Core (:class:`SqlStorage`) for SQLite and PostgreSQL.

Every write is one transaction: a disclosure (the bundle, its keys and its feed entry) or a
revocation list (the list, its entries, the feed entries of newly revoked declarations)
is stored whole or not at all, and is acknowledged only after the commit. SQLite runs in WAL
mode with ``synchronous=FULL``, so an acknowledged publish survives a crash of the process
or of the machine.

The seam for a transparency log: each write method takes ``hooks``, callables run inside the
same transaction with its connection and a :class:`Disclosure`, after the rows are written
and before the commit. A log appends its leaf there, so a disclosure and its log entry are
committed together or not at all.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    and_,
    create_engine,
    delete,
    event,
    exists,
    func,
    insert,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from cfl.errors import CflError
from cfl.register import schema
from cfl.register.records import DisclosureRecord

D = schema.declarations
DOC = schema.documents


class StorageError(CflError):
    """The database cannot be reached or refused a statement (never a user's mistake)."""

    code = "storage_error"


class ConflictError(CflError):
    """A write that contradicts what is stored (HTTP 409)."""

    code = "conflict"


@dataclass(frozen=True)
class Disclosure:
    """What a write disclosed, handed to the hooks inside its transaction: ``kind``
    (``bundle``, ``revocations`` or ``status-list``), the feed position, the subject
    (declaration id or certifier kid) and the accepted document byte for byte; ``digest`` (hex: the
    declaration's digest, or the list's signed-content digest), ``signer`` (the certifier's
    kid) and ``version`` (a list's) are what a log entry records."""

    kind: str
    feed_seq: int
    subject: str
    document: bytes
    at: int
    digest: str = ""
    signer: str = ""
    version: int = 0


#: Runs inside a write's transaction (a transparency log appends its leaf here).
AppendHook = Callable[[Connection, Disclosure], None]


@dataclass(frozen=True)
class StoredDeclaration:
    seq: int
    digest: str
    declaration_id: str
    bundle: bytes
    footprint: bytes
    published_at: int
    certifier_kid: str
    certifier_name: str
    company_name: str
    product_category: str
    rule_set: str
    status: str
    valid_from: int
    valid_until: int
    title: str
    revoked_at: int | None = None
    revoked_reason: str | None = None


@dataclass(frozen=True)
class FootprintFilter:
    """The PACT v3 ListFootprints filters: OR within a criterion, AND between criteria;
    text compared lower-cased; times in epoch seconds."""

    product_ids: tuple[str, ...] = ()
    company_ids: tuple[str, ...] = ()
    geographies: tuple[str, ...] = ()
    classifications: tuple[str, ...] = ()
    valid_on: int | None = None
    valid_after: int | None = None
    valid_before: int | None = None
    status: str | None = None


@dataclass(frozen=True)
class SearchCriteria:
    """What the public register pages search by (all optional, combined with AND)."""

    text: str | None = None
    category: str | None = None
    certifier: str | None = None
    rule_set: str | None = None
    valid_on: int | None = None


@dataclass(frozen=True)
class FeedEntry:
    seq: int
    kind: str
    declaration_id: str
    digest: str | None
    at: int
    detail: str


@dataclass(frozen=True)
class ClientRecord:
    client_id: str
    name: str
    secret_hash: str
    scopes: tuple[str, ...]
    created_at: int
    events_url: str | None = None
    events_token_url: str | None = None
    events_client_id: str | None = None
    events_client_secret: str | None = None


@dataclass(frozen=True)
class OutboxItem:
    seq: int
    client_id: str
    body: bytes
    attempts: int
    created_at: int


class RegisterStorage(Protocol):
    """What the register needs from a database (one implementation per engine family, the
    same tests for each)."""

    def add_declaration(self, record: DisclosureRecord, *, at: int,
                        hooks: Sequence[AppendHook] = ()) -> tuple[StoredDeclaration, bool]: ...

    def declaration_by_digest(self, digest: str) -> StoredDeclaration | None: ...

    def bundle_by_digest(self, digest: str) -> bytes | None: ...

    def digest_by_binding(self, binding: str) -> str | None: ...

    def declaration_by_id(self, declaration_id: str) -> StoredDeclaration | None: ...

    def footprints(self, where: FootprintFilter, *, after: int, offset: int, limit: int
                   ) -> list[StoredDeclaration]: ...

    def search(self, criteria: SearchCriteria, *, before: int | None, limit: int
               ) -> list[StoredDeclaration]: ...

    def count(self) -> int: ...

    def revocation_list(self, issuer: str) -> tuple[int, str, bytes] | None: ...

    def revocation_lists(self) -> list[tuple[str, int, str, bytes]]: ...

    def put_revocation_list(self, issuer: str, version: int, sha256: str, document: bytes,
                            entries: Sequence[tuple[str, str, int]], *, at: int,
                            hooks: Sequence[AppendHook] = ()) -> bool: ...

    def status_list(self, issuer: str) -> tuple[int, str, bytes] | None: ...

    def status_lists(self) -> list[tuple[str, int, str, bytes]]: ...

    def put_status_list(self, issuer: str, version: int, sha256: str, document: bytes, *,
                        at: int, hooks: Sequence[AppendHook] = ()) -> bool: ...

    def feed(self, *, after: int, limit: int) -> list[FeedEntry]: ...

    def latest_feed(self, limit: int) -> list[FeedEntry]: ...

    def read_trust_file(self, name: str) -> bytes | None: ...

    def write_trust_file(self, name: str, data: bytes, *, at: int) -> None: ...

    def trust_file_names(self) -> list[str]: ...

    def add_client(self, client: ClientRecord) -> None: ...

    def client(self, client_id: str) -> ClientRecord | None: ...

    def clients(self) -> list[ClientRecord]: ...

    def remove_client(self, client_id: str) -> bool: ...

    def add_token(self, token_hash: str, client_id: str, scopes: str, expires_at: int
                  ) -> None: ...

    def token(self, token_hash: str) -> tuple[str, str, int] | None: ...

    def add_event(self, client_id: str, source: str, event_id: str, kind: str, body: bytes,
                  *, at: int, answer: bytes | None = None) -> bool: ...

    def events(self, *, after: int, limit: int) -> list[tuple[int, str, str, bytes]]: ...

    def due_outbox(self, *, at: int, limit: int) -> list[OutboxItem]: ...

    def outbox_done(self, seq: int, *, state: str, error: str | None = None,
                    next_attempt_at: int | None = None) -> None: ...

    def ping(self) -> None: ...

    def close(self) -> None: ...


_DECLARATION_COLUMNS = (D.c.seq, D.c.digest, D.c.declaration_id, DOC.c.bundle, DOC.c.footprint,
                        D.c.published_at, D.c.certifier_kid, D.c.certifier_name,
                        D.c.company_name, D.c.product_category, D.c.rule_set, D.c.status,
                        D.c.valid_from, D.c.valid_until, D.c.title)
R = schema.revoked


def _with_revocation() -> Any:
    joined = D.join(DOC, DOC.c.seq == D.c.seq).outerjoin(
        R, and_(R.c.issuer == D.c.certifier_kid, R.c.declaration_key == D.c.declaration_id))
    return select(*_DECLARATION_COLUMNS, R.c.revoked_at, R.c.reason).select_from(joined)


def _stored(row: Any) -> StoredDeclaration:
    return StoredDeclaration(*row)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                   "busy_timeout=30000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def create_register_engine(url: str) -> Engine:
    """An engine for ``url`` (SQLite: WAL, FULL sync, foreign keys, a 30 s busy wait)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               pool_size=8, max_overflow=8)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=8)


def migrate(engine: Engine) -> None:
    """Bring the database schema to the newest revision (Alembic, from the packaged
    migrations)."""
    from alembic import command  # Alembic (~100 ms) only when a register starts
    from alembic.config import Config

    config = Config()
    with resources.as_file(resources.files("cfl.register") / "migrations") as folder:
        config.set_main_option("script_location", str(folder))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


@contextlib.contextmanager
def _storage_errors() -> Iterator[None]:
    try:
        yield
    except (CflError, IntegrityError):
        raise  # the callers that insert handle a duplicate themselves
    except OperationalError as exc:
        raise StorageError(f"the database is not available ({exc.orig})") from None
    except SQLAlchemyError as exc:
        raise StorageError(f"the database refused a statement ({type(exc).__name__})"
                           ) from None


class SqlStorage:
    """:class:`RegisterStorage` over SQLAlchemy Core (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else None

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True) -> SqlStorage:
        engine = create_register_engine(url)
        with _storage_errors():
            if migrate_schema:
                migrate(engine)
        return cls(engine)

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        # SQLite has one writer at a time anyway; taking the lock here keeps the threads of
        # one process from waiting on each other inside SQLite's busy handler.
        lock = self._write_lock or contextlib.nullcontext()
        with lock, _storage_errors(), self.engine.begin() as connection:
            yield connection

    # ------------------------------------------------------------------ declarations
    def add_declaration(self, record: DisclosureRecord, *, at: int,
                        hooks: Sequence[AppendHook] = ()) -> tuple[StoredDeclaration, bool]:
        """Store ``record``; (stored, True) when new, (stored, False) when this very bundle
        was stored before. Another bundle of the same declaration, or another declaration
        under the same id, is a :class:`ConflictError`."""
        existing = self._existing(record)
        if existing is not None:
            return existing, False
        try:
            with self._write() as connection:
                values = {name: getattr(record, name) for name in (
                    "digest", "declaration_id", "bundle_sha256", "certifier_kid",
                    "certifier_name", "company_name", "product_category", "rule_set",
                    "status", "valid_from", "valid_until", "title", "search_text",
                    "claim_binding")}
                seq = connection.execute(
                    insert(D).values(published_at=at, **values).returning(D.c.seq)
                ).scalar_one()
                connection.execute(insert(DOC).values(seq=seq, bundle=record.bundle,
                                                      footprint=record.footprint))
                if record.keys:
                    connection.execute(insert(schema.declaration_keys), [
                        {"kind": kind, "value": value, "seq": seq}
                        for kind, value in record.keys])
                feed_seq = connection.execute(insert(schema.feed).values(
                    kind="disclosed", declaration_id=record.declaration_id,
                    digest=record.digest, at=at, detail=record.title,
                ).returning(schema.feed.c.seq)).scalar_one()
                disclosure = Disclosure("bundle", feed_seq, record.declaration_id,
                                        record.bundle, at, record.digest,
                                        record.certifier_kid)
                for hook in hooks:
                    hook(connection, disclosure)
        except IntegrityError:
            # another request stored it between the look-up and the insert
            existing = self._existing(record)
            if existing is None:
                raise StorageError("the declaration could not be stored") from None
            return existing, False
        stored = self.declaration_by_digest(record.digest)
        assert stored is not None
        return stored, True

    def _existing(self, record: DisclosureRecord) -> StoredDeclaration | None:
        by_digest = self.declaration_by_digest(record.digest)
        if by_digest is not None:
            if by_digest.bundle == record.bundle:
                return by_digest
            raise ConflictError(
                f"declaration {record.declaration_id} is already disclosed in another bundle "
                "(other signatures over the same declaration); the first one stands",
                code="declaration_already_disclosed")
        by_id = self.declaration_by_id(record.declaration_id)
        if by_id is not None:
            raise ConflictError(
                f"another declaration with id {record.declaration_id} is already disclosed; "
                "declarations are immutable: a changed declaration needs a new id (and "
                "precedingPfIds)", code="declaration_id_taken")
        return None

    def bundle_by_digest(self, digest: str) -> bytes | None:
        """Only the bundle (the hot path of the resolver page's fetch)."""
        with _storage_errors(), self.engine.connect() as connection:
            row = connection.execute(select(DOC.c.bundle).select_from(
                D.join(DOC, DOC.c.seq == D.c.seq)).where(D.c.digest == digest)).first()
        return None if row is None else bytes(row[0])

    def digest_by_binding(self, binding: str) -> str | None:
        """The digest of the declaration whose certifier signature gives a format-2 claim
        ``binding`` (32 hex digits), if one is disclosed here."""
        with _storage_errors(), self.engine.connect() as connection:
            row = connection.execute(select(D.c.digest).where(D.c.claim_binding == binding)
                                     .order_by(D.c.seq).limit(1)).first()
        return None if row is None else str(row[0])

    def declaration_by_digest(self, digest: str) -> StoredDeclaration | None:
        with _storage_errors(), self.engine.connect() as connection:
            row = connection.execute(_with_revocation().where(D.c.digest == digest)).first()
        return None if row is None else _stored(row)

    def declaration_by_id(self, declaration_id: str) -> StoredDeclaration | None:
        with _storage_errors(), self.engine.connect() as connection:
            row = connection.execute(
                _with_revocation().where(D.c.declaration_id == declaration_id)).first()
        return None if row is None else _stored(row)

    def footprints(self, where: FootprintFilter, *, after: int, offset: int, limit: int
                   ) -> list[StoredDeclaration]:
        """Not revoked, matching ``where``, oldest first, after ``seq`` ``after``.

        The first multi-valued criterion drives the query: its index range (kind, value,
        seq > after) is read in order and the reading stops at ``limit`` rows, whether the
        criterion matches one declaration or all of them; the other criteria are checked
        per row."""
        keys = schema.declaration_keys
        criteria = [(kind, [v.lower() for v in values]) for kind, values in (
            ("product", where.product_ids), ("company", where.company_ids),
            ("geography", where.geographies), ("classification", where.classifications))
            if values]
        columns = (*_DECLARATION_COLUMNS, null().label("revoked_at"), null().label("reason"))
        if criteria:
            kind, values = criteria[0]
            driver = keys.alias("driver")
            query = (select(*columns).select_from(driver.join(D, D.c.seq == driver.c.seq)
                                                  .join(DOC, DOC.c.seq == D.c.seq))
                     .where(driver.c.kind == kind, driver.c.value.in_(values),
                            driver.c.seq > after).order_by(driver.c.seq))
        else:
            query = (select(*columns).select_from(D.join(DOC, DOC.c.seq == D.c.seq))
                     .where(D.c.seq > after).order_by(D.c.seq))
        for kind, values in criteria[1:]:
            query = query.where(exists().where(keys.c.seq == D.c.seq, keys.c.kind == kind,
                                               keys.c.value.in_(values)))
        query = query.where(~exists().where(R.c.issuer == D.c.certifier_kid,
                                            R.c.declaration_key == D.c.declaration_id))
        if where.valid_on is not None:
            query = query.where(D.c.valid_from <= where.valid_on,
                                D.c.valid_until >= where.valid_on)
        if where.valid_after is not None:
            query = query.where(D.c.valid_from > where.valid_after)
        if where.valid_before is not None:
            query = query.where(D.c.valid_until < where.valid_before)
        if where.status is not None:
            query = query.where(D.c.status == where.status.lower())
        query = query.offset(offset).limit(limit)
        with _storage_errors(), self.engine.connect() as connection:
            return [_stored(row) for row in connection.execute(query)]

    def search(self, criteria: SearchCriteria, *, before: int | None, limit: int
               ) -> list[StoredDeclaration]:
        """Newest first, before ``seq`` ``before`` (keyset pagination)."""
        query = _with_revocation()
        if before is not None:
            query = query.where(D.c.seq < before)
        if criteria.text:
            needle = criteria.text.lower()
            keys = schema.declaration_keys
            query = query.where(or_(
                D.c.search_text.like(_like(needle), escape="\\"),
                D.c.seq.in_(select(keys.c.seq).where(keys.c.value == needle))))
        if criteria.category:
            query = query.where(D.c.product_category == criteria.category)
        if criteria.rule_set:
            query = query.where(D.c.rule_set == criteria.rule_set)
        if criteria.certifier:
            query = query.where(or_(D.c.certifier_kid == criteria.certifier,
                                    func.lower(D.c.certifier_name).like(
                                        _like(criteria.certifier.lower()), escape="\\")))
        if criteria.valid_on is not None:
            query = query.where(D.c.valid_from <= criteria.valid_on,
                                D.c.valid_until >= criteria.valid_on)
        query = query.order_by(D.c.seq.desc()).limit(limit)
        with _storage_errors(), self.engine.connect() as connection:
            return [_stored(row) for row in connection.execute(query)]

    def count(self) -> int:
        with _storage_errors(), self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(D)).scalar_one())

    # ------------------------------------------------------------------ revocation lists
    def _signed_list(self, table: Table, issuer: str) -> tuple[int, str, bytes] | None:
        """(version, sha256, document) of ``issuer``'s list in ``table``, if one is held."""
        with _storage_errors(), self.engine.connect() as connection:
            row = connection.execute(select(table.c.version, table.c.sha256, table.c.document)
                                     .where(table.c.issuer == issuer)).first()
        return None if row is None else (int(row[0]), str(row[1]), bytes(row[2]))

    def _signed_lists(self, table: Table) -> list[tuple[str, int, str, bytes]]:
        """(issuer, version, sha256, document) of every list in ``table``, by issuer."""
        with _storage_errors(), self.engine.connect() as connection:
            rows = connection.execute(select(table.c.issuer, table.c.version, table.c.sha256,
                                             table.c.document).order_by(table.c.issuer))
            return [(str(r[0]), int(r[1]), str(r[2]), bytes(r[3])) for r in rows]

    def revocation_list(self, issuer: str) -> tuple[int, str, bytes] | None:
        return self._signed_list(schema.revocation_lists, issuer)

    def revocation_lists(self) -> list[tuple[str, int, str, bytes]]:
        return self._signed_lists(schema.revocation_lists)

    def put_revocation_list(self, issuer: str, version: int, sha256: str, document: bytes,
                            entries: Sequence[tuple[str, str, int]], *, at: int,
                            hooks: Sequence[AppendHook] = ()) -> bool:
        """Store a newer list of ``issuer`` (entries: declaration key, reason, revoked at).
        False if this very list is stored already; a :class:`ConflictError` if it is older
        than the stored one or another list of the same version."""
        with self._write() as connection:
            if not _replace_signed_list(connection, schema.revocation_lists, "revocation list",
                                        issuer, version, sha256, document, at=at):
                return False
            before = {row[0] for row in connection.execute(
                select(R.c.declaration_key).where(R.c.issuer == issuer))}
            connection.execute(delete(R).where(R.c.issuer == issuer))
            if entries:
                connection.execute(insert(R), [
                    {"issuer": issuer, "declaration_key": key, "reason": reason[:2000],
                     "revoked_at": revoked_at} for key, reason, revoked_at in entries])
            feed_seq = 0
            for key, reason, _ in entries:
                if key in before:
                    continue
                feed_seq = connection.execute(insert(schema.feed).values(
                    kind="revoked", declaration_id=key, digest=None, at=at,
                    detail=reason[:2000]).returning(schema.feed.c.seq)).scalar_one()
            disclosure = Disclosure("revocations", feed_seq, issuer, document, at, sha256,
                                    issuer, version)
            for hook in hooks:
                hook(connection, disclosure)
        return True

    # ------------------------------------------------------------------ status lists
    def status_list(self, issuer: str) -> tuple[int, str, bytes] | None:
        return self._signed_list(schema.status_lists, issuer)

    def status_lists(self) -> list[tuple[str, int, str, bytes]]:
        return self._signed_lists(schema.status_lists)

    def put_status_list(self, issuer: str, version: int, sha256: str, document: bytes, *,
                        at: int, hooks: Sequence[AppendHook] = ()) -> bool:
        """Store a newer status list of ``issuer`` (compare-and-swap on its version, in one
        transaction with the hooks: the log entry). False if this very list is stored
        already; a :class:`ConflictError` if it is older than the stored one or another
        list of the same version."""
        with self._write() as connection:
            if not _replace_signed_list(connection, schema.status_lists, "status list", issuer,
                                        version, sha256, document, at=at):
                return False
            disclosure = Disclosure("status-list", 0, issuer, document, at, sha256, issuer,
                                    version)
            for hook in hooks:
                hook(connection, disclosure)
        return True

    # ------------------------------------------------------------------ feed
    def feed(self, *, after: int, limit: int) -> list[FeedEntry]:
        table = schema.feed
        with _storage_errors(), self.engine.connect() as connection:
            rows = connection.execute(select(table).where(table.c.seq > after)
                                      .order_by(table.c.seq).limit(limit))
            return [FeedEntry(*row) for row in rows]

    def latest_feed(self, limit: int) -> list[FeedEntry]:
        table = schema.feed
        with _storage_errors(), self.engine.connect() as connection:
            rows = connection.execute(select(table).order_by(table.c.seq.desc()).limit(limit))
            return [FeedEntry(*row) for row in rows]

    # ------------------------------------------------------------------ trust store
    def read_trust_file(self, name: str) -> bytes | None:
        table = schema.trust_files
        with _storage_errors(), self.engine.connect() as connection:
            row = connection.execute(select(table.c.document)
                                     .where(table.c.name == name)).first()
        return None if row is None else bytes(row[0])

    def write_trust_file(self, name: str, data: bytes, *, at: int) -> None:
        table = schema.trust_files
        with self._write() as connection:
            changed = connection.execute(update(table).where(table.c.name == name).values(
                document=data, updated_at=at)).rowcount
            if not changed:
                connection.execute(insert(table).values(name=name, document=data,
                                                        updated_at=at))

    def trust_file_names(self) -> list[str]:
        table = schema.trust_files
        with _storage_errors(), self.engine.connect() as connection:
            return [str(r[0]) for r in connection.execute(select(table.c.name)
                                                          .order_by(table.c.name))]

    # ------------------------------------------------------------------ clients and tokens
    def add_client(self, client: ClientRecord) -> None:
        try:
            with self._write() as connection:
                connection.execute(insert(schema.clients).values(
                    client_id=client.client_id, name=client.name,
                    secret_hash=client.secret_hash, scopes=" ".join(client.scopes),
                    created_at=client.created_at, events_url=client.events_url,
                    events_token_url=client.events_token_url,
                    events_client_id=client.events_client_id,
                    events_client_secret=client.events_client_secret))
        except IntegrityError:
            raise ConflictError(f"client {client.client_id} exists already",
                                code="client_exists") from None

    def client(self, client_id: str) -> ClientRecord | None:
        table = schema.clients
        with _storage_errors(), self.engine.connect() as connection:
            row = connection.execute(select(table).where(table.c.client_id == client_id)
                                     ).first()
        return None if row is None else _client(row)

    def clients(self) -> list[ClientRecord]:
        table = schema.clients
        with _storage_errors(), self.engine.connect() as connection:
            return [_client(row) for row in connection.execute(
                select(table).order_by(table.c.created_at, table.c.client_id))]

    def remove_client(self, client_id: str) -> bool:
        with self._write() as connection:
            connection.execute(delete(schema.access_tokens)
                               .where(schema.access_tokens.c.client_id == client_id))
            removed = connection.execute(delete(schema.clients).where(
                schema.clients.c.client_id == client_id)).rowcount
        return bool(removed)

    def add_token(self, token_hash: str, client_id: str, scopes: str, expires_at: int
                  ) -> None:
        table = schema.access_tokens
        with self._write() as connection:
            connection.execute(delete(table).where(table.c.expires_at < expires_at - 86400))
            connection.execute(insert(table).values(token_hash=token_hash, client_id=client_id,
                                                    scopes=scopes, expires_at=expires_at))

    def token(self, token_hash: str) -> tuple[str, str, int] | None:
        table = schema.access_tokens
        with _storage_errors(), self.engine.connect() as connection:
            row = connection.execute(select(table.c.client_id, table.c.scopes,
                                            table.c.expires_at)
                                     .where(table.c.token_hash == token_hash)).first()
        return None if row is None else (str(row[0]), str(row[1]), int(row[2]))

    # ------------------------------------------------------------------ events
    def add_event(self, client_id: str, source: str, event_id: str, kind: str, body: bytes,
                  *, at: int, answer: bytes | None = None) -> bool:
        """Keep a received event (and queue ``answer`` for its sender in the same
        transaction); False if the same sender sent the same event id before."""
        table = schema.events
        try:
            with self._write() as connection:
                duplicate = connection.execute(select(table.c.seq).where(
                    table.c.client_id == client_id, table.c.source == source,
                    table.c.event_id == event_id)).first()
                if duplicate is not None:
                    return False
                connection.execute(insert(table).values(
                    client_id=client_id, source=source, event_id=event_id, type=kind,
                    received_at=at, body=body))
                if answer is not None:
                    connection.execute(insert(schema.outbox).values(
                        client_id=client_id, body=answer, state="pending", attempts=0,
                        next_attempt_at=at, created_at=at))
        except IntegrityError:
            return False
        return True

    def events(self, *, after: int, limit: int) -> list[tuple[int, str, str, bytes]]:
        table = schema.events
        with _storage_errors(), self.engine.connect() as connection:
            rows = connection.execute(select(table.c.seq, table.c.client_id, table.c.type,
                                             table.c.body).where(table.c.seq > after)
                                      .order_by(table.c.seq).limit(limit))
            return [(int(r[0]), str(r[1]), str(r[2]), bytes(r[3])) for r in rows]

    def due_outbox(self, *, at: int, limit: int) -> list[OutboxItem]:
        """Pending items due at ``at``, each claimed for a minute (another process leaves it
        alone meanwhile)."""
        table = schema.outbox
        claimed: list[OutboxItem] = []
        with self._write() as connection:
            rows = connection.execute(select(table.c.seq, table.c.client_id, table.c.body,
                                             table.c.attempts, table.c.created_at)
                                      .where(table.c.state == "pending",
                                             table.c.next_attempt_at <= at)
                                      .order_by(table.c.next_attempt_at).limit(limit)).all()
            for row in rows:
                taken = connection.execute(update(table).where(
                    table.c.seq == row[0], table.c.next_attempt_at <= at,
                    table.c.state == "pending").values(next_attempt_at=at + 60)).rowcount
                if taken:
                    claimed.append(OutboxItem(int(row[0]), str(row[1]), bytes(row[2]),
                                              int(row[3]), int(row[4])))
        return claimed

    def outbox_done(self, seq: int, *, state: str, error: str | None = None,
                    next_attempt_at: int | None = None) -> None:
        table = schema.outbox
        values: dict[str, Any] = {"state": state, "last_error": error,
                                  "attempts": table.c.attempts + 1}
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        with self._write() as connection:
            connection.execute(update(table).where(table.c.seq == seq).values(**values))

    def outbox_states(self) -> list[tuple[int, str, int]]:
        table = schema.outbox
        with _storage_errors(), self.engine.connect() as connection:
            return [(int(r[0]), str(r[1]), int(r[2])) for r in connection.execute(
                select(table.c.seq, table.c.state, table.c.attempts).order_by(table.c.seq))]

    # ------------------------------------------------------------------ health
    def ping(self) -> None:
        with _storage_errors(), self.engine.connect() as connection:
            connection.execute(select(exists().where(D.c.seq == 0)))

    def close(self) -> None:
        self.engine.dispose()


def _client(row: Any) -> ClientRecord:
    return ClientRecord(row.client_id, row.name, row.secret_hash, tuple(row.scopes.split()),
                        int(row.created_at), row.events_url, row.events_token_url,
                        row.events_client_id, row.events_client_secret)


class StorageTrustStore:
    """The register's trust store in its database (a :class:`cfl.trust.store.TrustStore`):
    the trust list accepted last survives restarts, so an older one is refused (rollback)."""

    def __init__(self, storage: RegisterStorage, *, at: Callable[[], int]) -> None:
        self.storage = storage
        self._at = at

    def read(self, name: str) -> bytes | None:
        return self.storage.read_trust_file(name)

    def write(self, name: str, data: bytes) -> None:
        self.storage.write_trust_file(name, data, at=self._at())

    def names(self) -> list[str]:
        return self.storage.trust_file_names()


def _replace_signed_list(connection: Connection, table: Table, kind: str, issuer: str,
                         version: int, sha256: str, document: bytes, *, at: int) -> bool:
    """Store ``issuer``'s list of one ``kind`` (a revocation list, a status list) if it is
    newer than the one stored: a compare-and-swap on the stored version, inside the caller's
    transaction. False if this very list is stored already; a :class:`ConflictError` if it
    is older, another list of the same version, or the stored one changed meanwhile."""
    code = kind.replace(" ", "_")
    current = connection.execute(select(table.c.version, table.c.sha256)
                                 .where(table.c.issuer == issuer)).first()
    if current is None:
        connection.execute(insert(table).values(issuer=issuer, version=version, sha256=sha256,
                                                document=document, published_at=at))
        return True
    if int(current[0]) == version and current[1] == sha256:
        return False
    if int(current[0]) == version:
        raise ConflictError(f"the register holds another {kind} version {version} of {issuer}; "
                            "a certifier never issues two lists under one version",
                            code=f"{code}_version_conflict")
    if int(current[0]) > version:
        raise ConflictError(f"version {version} is older than the served version "
                            f"{current[0]} of {issuer}'s {kind}", code=f"{code}_outdated")
    changed = connection.execute(
        update(table).where(table.c.issuer == issuer, table.c.version == int(current[0]))
        .values(version=version, sha256=sha256, document=document, published_at=at)).rowcount
    if changed != 1:
        raise ConflictError(f"{issuer}'s {kind} changed meanwhile; publish again",
                            code=f"{code}_outdated")
    return True

"""Batch labels: many bundles (a folder or a CSV) → one multi-page PDF or one PDF each.

Each label's QR claim is the one the certifier issued when signing the bundle (its
``cfl.claim.codec`` header, ADR 0025), so no key is needed; with a ``signer`` (the certifier's key)
claims are issued afresh, in the calling process (the key never leaves it). With ``jobs``
worker processes, for one multi-page PDF each worker reads, checks, prepares and renders
whole part PDFs (a few hundred pages at most, every bundle embedded under its page's name,
every bundle parsed once; with a key the parent prepares the labels and the workers only
render), and the parent only merges them (:mod:`cfl.label.merge`) as they arrive into the
output's temporary file, renamed into place once every input was found good (ADR 0163);
for a folder the parent prepares every label and each worker renders and atomically writes
whole files. ``resume`` skips outputs that are already
complete: the final file exists and its embedded bundle reads back equal to the input
(temporary files have other names and are never taken for complete).

A batch keeps a journal (:mod:`cfl.label.journal`, ADR 0125): with ``resume`` an input whose
label the journal says was written (and whose file is unchanged) is skipped without reading
the label back, and an input the journal says was checked is rendered without being checked
first again. The scratch folder of a large one-PDF batch (``.<name>.<random>.parts``) is
removed on every exit path, and one a killed batch left is removed when the next batch
writing the same PDF starts.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import dataclasses
import datetime as dt
import gc
import hashlib
import io
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from cfl.claim.text import DEFAULT_RESOLVER
from cfl.errors import CflError, InputError, OutputError
from cfl.io.atomic import (
    CLOSE_ON_EXEC,
    NO_FOLLOW,
    lock_file,
    open_atomic,
    output_error,
    remove_stale_temporary,
    write_atomic,
)
from cfl.io.interrupt import exit_quietly_on_terminate, signals_held, terminate_as_interrupt
from cfl.io.jsonio import decode_utf8, read_bytes
from cfl.label.journal import BatchJournal, digest, journal_path, settings_digest
from cfl.label.merge import merge_label_parts, merge_label_pdfs
from cfl.label.readback import extract_bundles
from cfl.label.render import (
    LabelContent,
    LabelRenderer,
    SignerNames,
    label_claim_text,
    parse_label_bundle,
    prepare_label,
)
from cfl.label.templates import load_template
from cfl.log.proof import MAX_PROOF_BYTES, check_proof_subject, sidecar_path
from cfl.signing.jws import MAX_BUNDLE_BYTES
from cfl.signing.keys import Signer

MAX_BATCH_ITEMS = 100_000
MAX_CSV_BYTES = 16 * 1024 * 1024
CHUNK = 50
#: A single-PDF batch larger than this is rendered in parts of this many pages, each to a
#: temporary PDF, and the parts are merged streaming (:mod:`cfl.label.merge`), so memory
#: stays flat whatever the batch size (ADR 0029).
PAGES_PER_PART = 500

Progress = Callable[[int], None]


@dataclass(frozen=True)
class BatchItem:
    """One label to make: an output name and the bundle file (with the CSV row, if any).

    ``problem`` is set for a CSV row that cannot be used as it is (an empty ``bundle`` cell,
    a bad or repeated ``name``): it is reported with every other bad input of the batch.
    """

    name: str
    bundle_path: Path
    row: int | None = None
    csv: Path | None = None
    problem: InputError | None = None

    @property
    def where(self) -> str:
        return f"row {self.row}" if self.row is not None else str(self.bundle_path)


class BatchInputError(InputError):
    """Some labels of a batch have bad input; ``problems`` holds one error per bad label.

    Every item is read and parsed (bundle and claim) before anything is rendered, so a
    user fixing a large CSV sees every bad row at once; nothing is written.
    """

    code = "bad_batch"

    def __init__(self, problems: list[InputError], *, total: int, source: str) -> None:
        self.problems = tuple(problems)
        if len(problems) == 1:
            only = problems[0]
            super().__init__(only.message, source=only.source, location=only.location,
                             code=only.code)
            return
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{len(problems)} of {total} labels have bad input; nothing was "
                         f"written:\n{lines}", source=source)


@dataclass(frozen=True)
class BatchResult:
    written: int
    skipped: int
    output: Path


def collect_items(source: Path) -> list[BatchItem]:
    """The labels of a batch: every ``*.json`` of a folder (sorted), or a CSV's rows.

    A CSV has a header with a ``bundle`` column (path, relative to the CSV) and optionally a
    ``name`` column (the output file name without ``.pdf``; default the bundle's stem).
    A row that cannot be used, or a repeated output name, is an item with its ``problem``
    set (reported by :func:`render_batch` with the batch's other bad inputs); a missing
    file, a CSV without a ``bundle`` column or an empty batch raise here.
    """
    if source.is_dir():
        items = [BatchItem(p.stem, p) for p in sorted(source.glob("*.json"))]
    elif source.is_file():
        items = _csv_items(source)
    else:
        raise InputError("does not exist; expected a folder of bundles or a CSV file",
                         source=str(source), code="not_found")
    if not items:
        raise InputError("holds no bundles (*.json files or CSV rows)", source=str(source),
                         code="empty_batch")
    if len(items) > MAX_BATCH_ITEMS:
        raise InputError(f"holds {len(items)} labels; at most {MAX_BATCH_ITEMS} per batch",
                         source=str(source), code="too_large")
    seen: dict[str, BatchItem] = {}
    out: list[BatchItem] = []
    for item in items:
        if item.problem is None and item.name in seen:
            first = seen[item.name]
            problem = InputError(f"two labels would be named {item.name!r} ({first.where} and "
                                 f"{item.where})", source=str(item.csv or source),
                                 location=f"row {item.row}" if item.row else None,
                                 code="duplicate_name")
            item = BatchItem(item.name, item.bundle_path, item.row, item.csv, problem)
        elif item.problem is None:
            seen[item.name] = item
        out.append(item)
    return out


def _csv_items(path: Path) -> list[BatchItem]:
    text = decode_utf8(read_bytes(path, max_bytes=MAX_CSV_BYTES), str(path),
                       expected="a CSV file")
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "bundle" not in reader.fieldnames:
        raise InputError("needs a header row with a 'bundle' column", source=str(path),
                         location="row 1", code="bad_csv")
    items: list[BatchItem] = []
    try:
        for number, row in enumerate(reader, start=2):
            if len(items) >= MAX_BATCH_ITEMS:
                break
            bundle = (row.get("bundle") or "").strip()
            bundle_path = (path.parent / bundle)
            name = (row.get("name") or "").strip() or (bundle_path.stem if bundle else "")
            if name.lower().endswith(".pdf"):  # the output is <name>.pdf either way
                name = name[:-4]
            problem = None
            if not bundle:
                problem = InputError("the 'bundle' cell is empty", source=str(path),
                                     location=f"row {number}", code="bad_csv")
            elif (not name or "/" in name or "\\" in name or name.startswith(".")
                  or not name.isprintable()):
                problem = InputError(f"the name {name!r} must be a plain file name",
                                     source=str(path), location=f"row {number}", code="bad_csv")
            items.append(BatchItem(name, bundle_path, number, path, problem))
    except csv.Error as exc:
        raise InputError(f"is not valid CSV ({exc})", source=str(path),
                         location=f"row {reader.line_num}", code="bad_csv") from None
    return items


def output_complete(path: Path, bundle_bytes: bytes) -> bool:
    """True if ``path`` is a finished label carrying exactly ``bundle_bytes``."""
    if not path.is_file():
        return False
    try:
        files = extract_bundles(path.read_bytes(), source=str(path))
    except (CflError, OSError):
        return False
    return list(files.values()) == [bundle_bytes]


def _in_row(exc: InputError, item: BatchItem) -> InputError:
    """``exc`` (about the bundle file) said from the CSV row that named the bundle."""
    if item.csv is None:
        return exc.at(str(item.bundle_path))
    inner = exc.location or ""
    where = f"{exc.source}: {inner}" if exc.source and inner else exc.source or inner
    message = f"{where}: {exc.message}" if where else exc.message
    return InputError(message, source=str(item.csv), location=f"row {item.row}", code=exc.code)


def _read_bundle(item: BatchItem) -> bytes:
    try:
        return read_bytes(item.bundle_path, max_bytes=MAX_BUNDLE_BYTES)
    except InputError as exc:
        raise _in_row(exc, item) from None


def read_label_proof(path: Path, bundle_bytes: bytes, *, source: str) -> bytes:
    """A proof of disclosure to embed beside a bundle: read (bounded), and refused if it is
    not a tlog-proof of this bundle's declaration (nothing is verified against a key here:
    ``cfl verify`` does that)."""
    data = read_bytes(path, max_bytes=MAX_PROOF_BYTES)
    try:
        check_proof_subject(data, parse_label_bundle(bundle_bytes, source=source).digest)
    except CflError as exc:
        raise InputError(f"is not a proof of disclosure of {source}: {exc}", source=str(path),
                         code=exc.code) from None
    return data


def _content(item: BatchItem, data: bytes, signer: Signer | None, at: dt.datetime,
             resolver: str, signer_names: SignerNames | None = None) -> LabelContent:
    source = str(item.bundle_path)
    try:
        bundle = parse_label_bundle(data, source=source)
        claim = label_claim_text(bundle, signer, at=at, resolver=resolver, source=source)
        content = prepare_label(bundle, data, claim, name=item.name,
                                signer_names=signer_names)
        proof = sidecar_path(item.bundle_path)
        if proof.is_file():
            content = dataclasses.replace(
                content, proof_bytes=read_label_proof(proof, data, source=source))
        return content
    except InputError as exc:
        raise _in_row(exc.at(source), item) from None


def _batch_source(items: Sequence[BatchItem]) -> str:
    first = items[0]
    return str(first.csv) if first.csv is not None else str(first.bundle_path.parent)


def _prepared(item: BatchItem, signer: Signer | None, at: dt.datetime, resolver: str,
              signer_names: SignerNames | None = None) -> tuple[bytes, LabelContent]:
    if item.problem is not None:
        raise item.problem
    data = _read_bundle(item)
    return data, _content(item, data, signer, at, resolver, signer_names)


def validate_items(items: Sequence[BatchItem], *, signer: Signer | None = None,
                   at: dt.datetime, resolver: str = DEFAULT_RESOLVER, keep: bool = True,
                   signer_names: SignerNames | None = None) -> list[LabelContent]:
    """Read and parse every item's bundle and claim; raise :class:`BatchInputError` naming
    EVERY bad item (CSV row or file). Returns the prepared labels (none if not ``keep``)."""
    problems: list[InputError] = []
    contents: list[LabelContent] = []
    for item in items:
        try:
            _, content = _prepared(item, signer, at, resolver, signer_names)
        except InputError as exc:
            problems.append(exc)
            continue
        if keep:
            contents.append(content)
    if problems:
        raise BatchInputError(problems, total=len(items), source=_batch_source(items))
    return contents


# --------------------------------------------------------------------------- workers

_worker_renderer: LabelRenderer | None = None


def _init_worker(template: str, font_path: str | None) -> None:
    global _worker_renderer
    exit_quietly_on_terminate()  # the parent stops the batch; a label being written is removed
    try:
        _worker_renderer = LabelRenderer(load_template(template), font_path=font_path)
    except SystemExit as stopped:  # SIGTERM while loading: nothing written yet, no traceback
        os._exit(stopped.code if isinstance(stopped.code, int) else 1)


def _worker_render_part(job: tuple[list[LabelContent], int]) -> tuple[bytes, int]:
    """A finished part PDF of pages ``start``… (its attachments named by page in the whole
    batch), and its page count."""
    assert _worker_renderer is not None
    contents, start = job
    return _worker_renderer.render(contents, first_page=start), len(contents)


#: What a worker is told for one part: the items to read (one the calling process already
#: knows is bad is not sent), the part's first page in the batch, the settings of
#: :func:`_content` (no signer: a key never leaves the calling process), and whether to
#: render the part (not once the batch is known to be bad: its items are only checked).
_PartJob = tuple[list[BatchItem], int, dt.datetime, str, "SignerNames | None", bool]
#: A worker's answer: the part PDF (None if it was not to render or an item is bad) and, for
#: every item sent, its bundle's digest or its error's fields (``InputError`` rebuilt by the
#: calling process).
_PartAnswer = tuple[bytes | None, list[tuple[str | None, tuple[Any, ...] | None]]]


def _worker_check_and_render(job: _PartJob) -> _PartAnswer:
    """Each item of a part read, checked and prepared once (as :func:`_prepared` does);
    then, if every one is good, the part PDF of them (pages ``start``…, attachments named
    by page in the whole batch), as :func:`_worker_render_part` renders prepared ones."""
    assert _worker_renderer is not None
    items, start, at, resolver, signer_names, render = job
    answers: list[tuple[str | None, tuple[Any, ...] | None]] = []
    contents: list[LabelContent] = []
    for item in items:
        try:
            data = _read_bundle(item)
            content = _content(item, data, None, at, resolver, signer_names)
        except InputError as exc:
            answers.append((None, (exc.message, exc.source, exc.location, exc.code)))
            render, contents = False, []
            continue
        answers.append((digest(data), None))
        if render:
            contents.append(content)
    if not (render and contents):
        return None, answers
    return _worker_renderer.render(contents, first_page=start), answers


def _checked_parts_in_workers(
    pool: _PartPool, items: Sequence[BatchItem], jobs: int, at: dt.datetime, resolver: str,
    signer_names: SignerNames | None, digests: list[str], advance: Progress,
) -> Iterator[tuple[str, bytes]]:
    """The part PDFs of a batch, in order, as (name, PDF): every part read, checked,
    prepared and rendered by one worker in one go (each bundle parsed once), so the calling
    process has only to merge them (:func:`~cfl.label.merge.merge_label_pdfs`).

    Every item is checked whatever happens: once one is bad, the parts still to be handed
    out are only checked, and when all are in, :class:`BatchInputError` names every bad
    item (the caller, writing to a temporary file, then writes nothing). ``digests``
    receives every item's bundle digest, in order. Parts are small enough that every worker
    has two (at most :data:`PAGES_PER_PART` pages), and only ``2 × jobs`` are handed out at
    a time, so memory does not grow with the batch."""
    count = len(items)
    size = max(1, min(PAGES_PER_PART, -(-count // (2 * jobs))))
    problems: list[InputError] = []
    bad = any(item.problem is not None for item in items)
    for wave in _chunks(range(0, count, size), 2 * jobs):
        work: list[_PartJob] = [
            ([item for item in items[start:start + size] if item.problem is None], start, at,
             resolver, signer_names, not bad) for start in wave]
        for start, (pdf, answers) in zip(wave, pool.imap(_worker_check_and_render, work),
                                         strict=True):
            replies = iter(answers)
            part = items[start:start + size]
            for item in part:
                if item.problem is not None:
                    problems.append(item.problem)
                    continue
                key, error = next(replies)
                if error is not None:
                    message, source, location, code = error
                    problems.append(InputError(message, source=source, location=location,
                                               code=code))
                elif key is not None:
                    digests.append(key)
            bad = bad or bool(problems)
            if not bad:
                assert pdf is not None
                advance(len(part))
                yield f"the part of pages {start + 1}-{start + len(part)}", pdf
    if problems:
        raise BatchInputError(problems, total=count, source=_batch_source(items))


def _worker_write(job: tuple[LabelContent, str]) -> str:
    assert _worker_renderer is not None
    content, target = job
    write_atomic(target, _worker_renderer.render([content]))
    return target


_T = TypeVar("_T")


class _PartPool:
    """The worker processes of a one-PDF batch: parts handed out in order, answers taken in
    order (:meth:`imap`). A worker that dies (SIGKILL, the OOM killer) fails the batch with
    a clean error naming --resume: a ``multiprocessing.Pool`` would replace it and wait for
    ever for the answer it took with it."""

    def __init__(self, jobs: int, template: str, font_path: str | None) -> None:
        methods = multiprocessing.get_all_start_methods()
        fork = "fork" in methods
        if fork:  # the font is loaded (and registered) once, here, and inherited by workers
            LabelRenderer(load_template(template), font_path=font_path)
        self._executor = concurrent.futures.ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context(
                "fork" if fork else "spawn"),
            initializer=_init_worker, initargs=(template, font_path))
        try:
            _started(self._executor)
        except BaseException:  # stopped or broken while starting: nothing handed out yet
            self.terminate()
            raise

    def imap(self, function: Callable[[Any], _T], work: Sequence[Any]) -> Iterator[_T]:
        """``function`` of each of ``work`` in the workers, the answers in order."""
        futures = [self._executor.submit(function, job) for job in work]
        for future in futures:
            yield _worker_result(future)

    def close(self) -> None:
        """Wait for the work handed out (none, when a batch failed: every answer is in),
        then let the workers leave."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def terminate(self) -> None:
        """Stop now (Ctrl-C, SIGTERM): the work not started is cancelled and the workers
        are terminated (they write nothing: a part is bytes handed back)."""
        workers = list((getattr(self._executor, "_processes", None) or {}).values())
        self._executor.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(timeout=10)


@contextlib.contextmanager
def _workers(jobs: int, template: str, font_path: str | None
             ) -> Iterator[concurrent.futures.ProcessPoolExecutor]:
    """``jobs`` worker processes. On any exit the work not started is cancelled and the
    labels being written are finished (so no temporary file is left) before the workers are
    joined (a ``multiprocessing.Pool``'s ``terminate`` cuts writes short, and can hang when
    its task pipe is full)."""
    methods = multiprocessing.get_all_start_methods()
    executor = concurrent.futures.ProcessPoolExecutor(
        max_workers=jobs, mp_context=multiprocessing.get_context(
            "fork" if "fork" in methods else "spawn"),
        initializer=_init_worker, initargs=(template, font_path))
    try:
        yield _started(executor)
    except BaseException:
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


def _started(executor: concurrent.futures.ProcessPoolExecutor
             ) -> concurrent.futures.ProcessPoolExecutor:
    """``executor`` with its workers forked now (the first task starts them all), with
    SIGINT and SIGTERM held meanwhile (:func:`~cfl.io.interrupt.signals_held`: a Ctrl-C
    during a fork would otherwise be lost) and what exists frozen for the collector
    (``gc.freeze``: a worker never scans it, so its memory stays shared)."""
    gc.freeze()
    try:
        with signals_held():
            first = executor.submit(int)
    finally:
        gc.unfreeze()
    _worker_result(first)
    return executor


def _worker_result(future: concurrent.futures.Future[_T]) -> _T:
    """A worker's result; a worker that died (killed) is a clean error, not a traceback."""
    try:
        return future.result()
    except concurrent.futures.process.BrokenProcessPool:
        raise OutputError("a label worker process ended unexpectedly (was it killed?); run "
                          "the batch again with --resume") from None


def batch_settings(template: str, *, signer: Signer | None, at: dt.datetime, resolver: str,
                   font_path: str | None, signer_names: SignerNames | None) -> str:
    """The digest of what, besides its input, makes a label: records made with other
    settings are never used (:mod:`cfl.label.journal`)."""
    path = Path(template)
    template_id = template
    if template.endswith((".yaml", ".yml")) or path.is_file():
        try:
            template_id = digest(path.read_bytes())
        except OSError:
            template_id = f"unreadable:{template}"
    font = None
    if font_path is not None:
        try:
            info = os.stat(font_path)
            font = [font_path, info.st_size, info.st_mtime_ns]
        except OSError:
            font = [font_path]
    return settings_digest({
        "template": template_id, "font": font, "resolver": resolver,
        "signer": signer.kid if signer is not None else None,
        "at": at.isoformat() if signer is not None else None,
        "names": sorted((str(k), *map(str, v)) for k, v in (signer_names or {}).items()),
    })


def _chunks(values: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


# --------------------------------------------------------------------------- batches


def render_batch(
    items: Sequence[BatchItem], *, template: str, signer: Signer | None = None,
    at: dt.datetime, output: Path, resolver: str = DEFAULT_RESOLVER, jobs: int = 1,
    resume: bool = False,
    font_path: str | None = None, progress: Progress | None = None,
    to_directory: bool | None = None, signer_names: SignerNames | None = None,
) -> BatchResult:
    """Render ``items`` with ``template`` (a name or file) into ``output``.

    ``output`` is a folder (one ``<name>.pdf`` each) if it is an existing directory, ends in
    a path separator or ``to_directory`` is set; otherwise one multi-page PDF.

    Every item is read and parsed (bundle and claim) before anything is rendered or
    written; if any is bad, :class:`BatchInputError` names every bad item and nothing is
    written (not even the output folder). ``signer_names`` (kid → name and accreditation,
    from an accepted trust list) names every signer on templates that list them.
    """
    if jobs < 1:
        raise InputError("--jobs must be at least 1", code="bad_jobs")
    load_template(template)  # fail early on a bad template
    with terminate_as_interrupt():  # SIGTERM cleans up as Ctrl-C does (ADR 0128)
        return _render_batch(items, template=template, signer=signer, at=at, output=output,
                             resolver=resolver, jobs=jobs, resume=resume, font_path=font_path,
                             progress=progress, to_directory=to_directory,
                             signer_names=signer_names)


def _render_batch(
    items: Sequence[BatchItem], *, template: str, signer: Signer | None, at: dt.datetime,
    output: Path, resolver: str, jobs: int, resume: bool, font_path: str | None,
    progress: Progress | None, to_directory: bool | None, signer_names: SignerNames | None,
) -> BatchResult:
    directory = to_directory if to_directory is not None else (
        output.is_dir() or str(output).endswith(("/", "\\")))
    advance = progress or (lambda n: None)
    if directory:
        return _render_directory(items, template=template, signer=signer, at=at,
                                 output=output, resolver=resolver, jobs=jobs, resume=resume,
                                 font_path=font_path, advance=advance,
                                 signer_names=signer_names)
    folder = output.parent if str(output.parent) else Path(".")
    if str(output) != "-" and not folder.is_dir():
        raise OutputError(f"{output}: the folder {folder} does not exist")
    if str(output) == "-":
        journal = BatchJournal(Path(os.devnull), "")
    else:
        remove_stale_parts(folder, output.name)
        settings = batch_settings(template, signer=signer, at=at, resolver=resolver,
                                  font_path=font_path, signer_names=signer_names)
        path = journal_path(output, folder=False)
        journal = BatchJournal.load(path, settings) if resume else \
            BatchJournal(path, settings)
    try:
        return _render_one_pdf(items, journal, template=template, signer=signer, at=at,
                               output=output, resolver=resolver, jobs=jobs, resume=resume,
                               font_path=font_path, advance=advance,
                               signer_names=signer_names)
    finally:
        journal.close()


def _render_one_pdf(
    items: Sequence[BatchItem], journal: BatchJournal, *, template: str, signer: Signer | None,
    at: dt.datetime, output: Path, resolver: str, jobs: int, resume: bool,
    font_path: str | None, advance: Progress, signer_names: SignerNames | None,
) -> BatchResult:
    to_file = str(output) != "-"
    if resume and output.is_file():
        inputs = _inputs_digest(items)
        if inputs is not None and (journal.is_complete(inputs, output)
                                   or _batch_complete(output, items)):
            if not journal.is_complete(inputs, output):
                journal.start()
                journal.record_complete(inputs, output)
            advance(len(items))
            return BatchResult(0, len(items), output)
    if to_file and resume and journal.existed:
        journal.start()  # a batch resumed: what it checks now is kept even if it is killed
    # Small batches keep the prepared labels; large ones prepare each part again, so memory
    # stays flat (ADR 0029) at the cost of parsing every bundle twice (ADR 0050). An input
    # the journal says was checked is not checked first again: it is prepared when rendered.
    # With workers and no key, each worker checks, prepares and renders whole parts, every
    # bundle parsed once, and this process only merges them (ADR 0163); with a key, claims
    # are issued here and the workers render the prepared labels.
    pool = _PartPool(jobs, template, font_path) if jobs > 1 else None
    digests: list[str] | None = None
    try:
        if pool is not None and signer is None and len(items) > 1:
            digests = _check_and_render_in_workers(
                pool, items, journal, jobs=jobs, at=at, output=output, resolver=resolver,
                resume=resume, signer_names=signer_names, advance=advance)
        else:
            _check_and_render_here(pool, items, journal, template=template, signer=signer,
                                   at=at, output=output, resolver=resolver, jobs=jobs,
                                   resume=resume, font_path=font_path, advance=advance,
                                   signer_names=signer_names)
    except BaseException as exc:
        if pool is not None:
            if isinstance(exc, KeyboardInterrupt):  # stopped: what is being rendered is cut
                pool.terminate()
            else:  # failed (a bad batch: the workers are idle): they leave as when done
                pool.close()
        raise
    if pool is not None:  # done: the workers leave when their queue closes, no signal sent
        pool.close()
    if to_file:
        inputs = _inputs_digest(items, digests)
        if inputs is not None:
            journal.record_complete(inputs, output)
    return BatchResult(len(items), 0, output)


def _check_and_render_in_workers(
    pool: _PartPool, items: Sequence[BatchItem], journal: BatchJournal, *, jobs: int,
    at: dt.datetime, output: Path, resolver: str, resume: bool,
    signer_names: SignerNames | None, advance: Progress,
) -> list[str]:
    """The one-PDF batch of ``items`` checked and rendered by the workers of ``pool``
    (:func:`_checked_parts_in_workers`), each part merged into the output's temporary file
    as it arrives; the output is renamed into place only once every input was checked and
    found good, and a bad batch leaves no file behind. Returns every bundle's digest."""
    digests: list[str] = []
    to_file = str(output) != "-"

    def parts() -> Iterator[tuple[str, bytes]]:
        yield from _checked_parts_in_workers(pool, items, jobs, at, resolver, signer_names,
                                             digests, advance)
        # every input is good: recorded as checked before the output is finished
        checked = [key for key in digests if not (resume and journal.is_valid(key))]
        if to_file and not journal.writing:
            journal.start(fresh=not resume)
        journal.record_valid(checked)

    if to_file:
        with open_atomic(output) as stream:
            merge_label_pdfs(parts(), stream)
    else:
        buffer = io.BytesIO()
        merge_label_pdfs(parts(), buffer)
        write_atomic(output, buffer.getvalue())
    return digests


def _check_and_render_here(
    pool: _PartPool | None, items: Sequence[BatchItem], journal: BatchJournal, *, template: str,
    signer: Signer | None, at: dt.datetime, output: Path, resolver: str, jobs: int,
    resume: bool, font_path: str | None, advance: Progress, signer_names: SignerNames | None,
) -> None:
    """The one-PDF batch of ``items`` checked and prepared in this process (every input
    before anything is written), then rendered here or, from the prepared labels, by the
    workers of ``pool`` (when claims are issued here with the certifier's key)."""
    to_file = str(output) != "-"
    keep = len(items) <= PAGES_PER_PART
    kept: list[LabelContent | None] = []
    checked: list[str] = []
    problems: list[InputError] = []
    for item in items:
        try:
            if item.problem is not None:
                raise item.problem
            data = _read_bundle(item)
            key = digest(data)
            if resume and journal.is_valid(key):
                kept.append(None)
                continue
            content = _content(item, data, signer, at, resolver, signer_names)
            kept.append(content if keep else None)
            checked.append(key)
            journal.record_valid([key])
        except InputError as exc:
            problems.append(exc)
    if problems:
        raise BatchInputError(problems, total=len(items), source=_batch_source(items))
    if to_file and not journal.writing:
        journal.start(fresh=not resume)
        journal.record_valid(checked)
    renderer = LabelRenderer(load_template(template), font_path=font_path)

    def contents_of(start: int, stop: int) -> list[LabelContent]:
        return [kept[i] or _prepared(items[i], signer, at, resolver, signer_names)[1]
                for i in range(start, stop)]

    def part(start: int, stop: int) -> bytes:
        contents = contents_of(start, stop)
        operators: list[list[str]] = []
        for chunk in _chunks(contents, CHUNK):
            operators.extend(renderer.qr_ops(c) for c in chunk)
            advance(len(chunk))
        return renderer.render(contents, operators,
                               first_page=None if len(items) <= PAGES_PER_PART else start)

    count = len(items)
    if pool is not None and count > 1:
        _render_in_parts(output, _parts_in_workers(
            pool, count, jobs, lambda start, stop: (contents_of(start, stop), start),
            _worker_render_part, advance))
    elif count <= PAGES_PER_PART:
        write_atomic(output, part(0, count))
    else:
        _render_in_parts(output, (part(start, min(start + PAGES_PER_PART, count))
                                  for start in range(0, count, PAGES_PER_PART)))


def _inputs_digest(items: Sequence[BatchItem], digests: Sequence[str] | None = None
                   ) -> str | None:
    """The digest of a batch's inputs in order (names and bundle bytes), None if one cannot
    be read. ``digests``: the bundles' digests, in order, from the batch that just read
    them (the files are then not read again)."""
    total = hashlib.sha256()
    try:
        for index, item in enumerate(items):
            if item.problem is not None:
                return None
            key = digests[index] if digests is not None else digest(_read_bundle(item))
            total.update(f"{item.name}\t{key}\n".encode())
    except InputError:
        return None
    return total.hexdigest()


def _parts_in_workers(pool: _PartPool, count: int, jobs: int,
                      job_of: Callable[[int, int], tuple[Any, ...]],
                      worker: Callable[[Any], tuple[bytes, int]],
                      advance: Progress) -> Iterator[bytes]:
    """The part PDFs of ``count`` pages, in order, each rendered whole by a worker
    (``worker(job_of(start, stop))``, from contents the calling process prepared: it holds
    the signer's key), which the calling process only concatenates
    (:func:`_render_in_parts`). Parts are small enough that every worker has two (at most
    :data:`PAGES_PER_PART` pages), and only ``2 × jobs`` parts are handed out at a time, so
    memory does not grow with the batch."""
    size = max(1, min(PAGES_PER_PART, -(-count // (2 * jobs))))
    for wave in _chunks(range(0, count, size), 2 * jobs):
        work = [job_of(start, min(start + size, count)) for start in wave]
        for data, pages in pool.imap(worker, work):
            advance(pages)
            yield data


def _render_in_parts(output: Path, parts: Iterable[bytes]) -> None:
    """Write the part PDFs ``parts`` (each a few hundred pages at most, named by page in the
    whole batch) to temporary files beside ``output`` and merge them, streaming, into
    ``output`` atomically (:mod:`cfl.label.merge`): memory does not grow with the number of
    pages, and every page keeps its own embedded bundle.

    The parts go to a scratch folder ``.<name>.<random>.parts`` that this batch holds locked;
    it is removed on every exit path (one a killed batch left, no longer locked, is removed
    when the next batch writing the same PDF starts: :func:`remove_stale_parts`)."""
    folder = output.parent if str(output.parent) else Path(".")
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=PARTS_SUFFIX,
                                        dir=folder))
    except OSError as exc:
        raise output_error(output, exc, doing="cannot make a scratch folder beside it") \
            from None
    try:
        with _held(scratch / PARTS_LOCK):
            paths: list[Path] = []
            for number, data in enumerate(parts):
                path = scratch / f"part-{number:05d}.pdf"
                try:
                    path.write_bytes(data)
                except OSError as exc:
                    raise output_error(output, exc,
                                       doing=f"cannot write its part {path.name}") from None
                paths.append(path)
            with open_atomic(output) as stream:
                merge_label_parts(paths, stream)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


#: The scratch folder of a large one-PDF batch, and the lock its batch holds in it.
PARTS_SUFFIX = ".parts"
PARTS_LOCK = ".lock"


@contextlib.contextmanager
def _held(lock: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock`` (created) while the block runs."""
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | NO_FOLLOW | CLOSE_ON_EXEC, 0o600)
    except OSError as exc:
        raise output_error(lock.parent, exc, doing="cannot use its scratch folder") from None
    try:
        held = lock_file(fd, wait=False)
    except OSError as exc:
        os.close(fd)
        raise output_error(lock.parent, exc, doing="cannot lock its scratch folder") from None
    if not held:
        os.close(fd)
        raise OutputError(f"{lock.parent}: another batch holds this scratch folder")
    try:
        yield
    finally:
        os.close(fd)


def remove_stale_parts(folder: Path, name: str) -> list[Path]:
    """Remove the scratch folders of ``name`` in ``folder`` that killed batches left (their
    lock is free, or they never got one); a folder another live batch holds is left alone.
    Never an error: this only tidies up."""
    removed: list[Path] = []
    prefix = f".{name}."
    try:
        candidates = [Path(entry.path) for entry in os.scandir(folder)
                      if entry.name.startswith(prefix) and entry.name.endswith(PARTS_SUFFIX)
                      and entry.is_dir(follow_symlinks=False)]
    except OSError:
        return removed
    for candidate in candidates:
        lock = candidate / PARTS_LOCK
        try:
            fd = os.open(lock, os.O_RDONLY | NO_FOLLOW | CLOSE_ON_EXEC)
        except FileNotFoundError:
            fd = -1  # killed before it locked: its parts are as stale
        except OSError:
            continue
        try:
            if fd >= 0 and not lock_file(fd, wait=False):
                continue  # a live batch holds it
        except OSError:
            continue
        finally:
            if fd >= 0:
                os.close(fd)
        shutil.rmtree(candidate, ignore_errors=True)
        removed.append(candidate)
    return removed


def _batch_complete(output: Path, items: Sequence[BatchItem]) -> bool:
    """True if ``output`` embeds exactly the items' bundles, in order (read one by one)."""
    import pypdfium2 as pdfium

    if any(item.problem is not None for item in items):
        return False
    try:
        document = pdfium.PdfDocument(str(output))
    except (pdfium.PdfiumError, OSError):
        return False
    try:
        if document.count_attachments() != len(items) or len(document) != len(items):
            return False
        for index, item in enumerate(items):
            attachment = document.get_attachment(index)
            if bytes(attachment.get_data()) != _read_bundle(item):
                return False
        return True
    except (CflError, pdfium.PdfiumError, OSError):
        return False
    finally:
        document.close()


@dataclass
class _Pending:
    """An input of a folder batch to render: its bundle, digest, where its label goes, and
    its prepared content (None until prepared: the journal says it was checked before)."""

    item: BatchItem
    data: bytes
    key: str
    target: Path
    content: LabelContent | None


def _write_in_workers(pending: Sequence[_Pending], jobs: int, template: str,
                      font_path: str | None, prepared: Callable[[_Pending], LabelContent],
                      journal: BatchJournal, advance: Progress) -> None:
    """Each pending label written by one of ``jobs`` workers, prepared here a few labels
    ahead of them (memory stays flat, and an interruption has little to cancel).

    On Ctrl-C, SIGTERM or an error the labels being written are finished and recorded and
    the others cancelled. A label whose worker was stopped mid-write (SIGTERM sent to the
    worker itself) leaves no temporary file: the worker removes it on its way out, and what
    a killed worker left is removed here once every worker is gone (ADR 0128)."""
    queue = iter(pending)
    running: dict[concurrent.futures.Future[str], _Pending] = {}

    def finished(entry: _Pending) -> None:
        entry.content = None  # memory stays flat
        journal.record_done(entry.item.name, entry.key, entry.target)
        advance(1)

    try:
        with _workers(jobs, template, font_path) as executor:
            while True:
                while len(running) < 2 * jobs:
                    entry = next(queue, None)
                    if entry is None:
                        break
                    job = (prepared(entry), str(entry.target))
                    running[executor.submit(_worker_write, job)] = entry
                if not running:
                    break
                done, _ = concurrent.futures.wait(
                    running, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    _worker_result(future)
                    finished(running.pop(future))
    except BaseException:
        for future, entry in running.items():  # every worker has been joined by now
            if future.done() and not future.cancelled() and future.exception() is None:
                finished(entry)
            else:
                remove_stale_temporary(entry.target)
        raise


def _render_directory(
    items: Sequence[BatchItem], *, template: str, signer: Signer | None, at: dt.datetime,
    output: Path, resolver: str, jobs: int, resume: bool, font_path: str | None,
    advance: Progress, signer_names: SignerNames | None = None,
) -> BatchResult:
    settings = batch_settings(template, signer=signer, at=at, resolver=resolver,
                              font_path=font_path, signer_names=signer_names)
    path = journal_path(output, folder=True)
    journal = BatchJournal.load(path, settings) if resume else BatchJournal(path, settings)
    try:
        return _render_directory_journaled(
            items, journal, template=template, signer=signer, at=at, output=output,
            resolver=resolver, jobs=jobs, resume=resume, font_path=font_path, advance=advance,
            signer_names=signer_names)
    finally:
        journal.close()


def _render_directory_journaled(
    items: Sequence[BatchItem], journal: BatchJournal, *, template: str, signer: Signer | None,
    at: dt.datetime, output: Path, resolver: str, jobs: int, resume: bool,
    font_path: str | None, advance: Progress, signer_names: SignerNames | None,
) -> BatchResult:
    pending: list[_Pending] = []
    checked: list[str] = []
    finished: list[tuple[str, str, Path]] = []
    problems: list[InputError] = []
    if resume and journal.existed:
        journal.start()  # a batch resumed: what it checks now is kept even if it is killed
    for item in items:
        try:
            if item.problem is not None:
                raise item.problem
            data = _read_bundle(item)
            key = digest(data)
            target = output / f"{item.name}.pdf"
            if resume and (journal.is_done(item.name, key, target)
                           or output_complete(target, data)):
                finished.append((item.name, key, target))
                continue
            if resume and journal.is_valid(key):
                pending.append(_Pending(item, data, key, target, None))
                continue
            content = _content(item, data, signer, at, resolver, signer_names)
            pending.append(_Pending(item, data, key, target, content))
            checked.append(key)
            journal.record_valid([key])
        except InputError as exc:
            problems.append(exc)
    if problems:
        raise BatchInputError(problems, total=len(items), source=_batch_source(items))
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{output}: cannot create the output folder ({exc.strerror}); "
                          "give a folder that exists or can be created") from None
    if not journal.writing:
        journal.start(fresh=not resume)
        journal.record_valid(checked)
    for name, key, target in finished:
        if not journal.is_done(name, key, target):
            journal.record_done(name, key, target)
    advance(len(finished))

    def prepared(entry: _Pending) -> LabelContent:
        if entry.content is None:
            entry.content = _content(entry.item, entry.data, signer, at, resolver, signer_names)
        return entry.content

    if jobs == 1 or len(pending) < 2:
        renderer = LabelRenderer(load_template(template), font_path=font_path)
        for entry in pending:
            write_atomic(entry.target, renderer.render([prepared(entry)]))
            entry.content = None  # memory stays flat
            journal.record_done(entry.item.name, entry.key, entry.target)
            advance(1)
    else:
        _write_in_workers(pending, jobs, template, font_path, prepared, journal, advance)
    return BatchResult(len(pending), len(finished), output)

"""Batch labels: many bundles (a folder or a CSV) → one multi-page PDF or one PDF each.

Each label's QR claim is the one the certifier issued when signing the bundle (its
``cfl.claim.codec`` header, ADR 0025), so no key is needed; with a ``signer`` (the certifier's key)
claims are issued afresh, in the calling process (the key never leaves it). QR encoding runs
in ``jobs`` worker processes: for one multi-page PDF the
workers return the QR drawing operators and the parent draws the pages (so the bundles are
embedded once and the output is written atomically); for a folder each worker renders and
atomically writes whole files. ``resume`` skips outputs that are already complete: the final
file exists and its embedded bundle reads back equal to the input (temporary files have other
names and are never taken for complete).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfl.claim.text import DEFAULT_RESOLVER
from cfl.errors import CflError, InputError, OutputError
from cfl.io.atomic import open_atomic, write_atomic
from cfl.io.jsonio import decode_utf8, read_bytes
from cfl.label.merge import merge_label_parts
from cfl.label.readback import extract_bundles
from cfl.label.render import (
    LabelContent,
    LabelRenderer,
    label_claim_text,
    parse_label_bundle,
    prepare_label,
)
from cfl.label.templates import load_template
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


def _content(item: BatchItem, data: bytes, signer: Signer | None, at: dt.datetime,
             resolver: str) -> LabelContent:
    source = str(item.bundle_path)
    try:
        bundle = parse_label_bundle(data, source=source)
        claim = label_claim_text(bundle, signer, at=at, resolver=resolver, source=source)
        return prepare_label(bundle, data, claim, name=item.name)
    except InputError as exc:
        raise _in_row(exc.at(source), item) from None


def _batch_source(items: Sequence[BatchItem]) -> str:
    first = items[0]
    return str(first.csv) if first.csv is not None else str(first.bundle_path.parent)


def _prepared(item: BatchItem, signer: Signer | None, at: dt.datetime, resolver: str
              ) -> tuple[bytes, LabelContent]:
    if item.problem is not None:
        raise item.problem
    data = _read_bundle(item)
    return data, _content(item, data, signer, at, resolver)


def validate_items(items: Sequence[BatchItem], *, signer: Signer | None = None,
                   at: dt.datetime, resolver: str = DEFAULT_RESOLVER, keep: bool = True
                   ) -> list[LabelContent]:
    """Read and parse every item's bundle and claim; raise :class:`BatchInputError` naming
    EVERY bad item (CSV row or file). Returns the prepared labels (none if not ``keep``)."""
    problems: list[InputError] = []
    contents: list[LabelContent] = []
    for item in items:
        try:
            _, content = _prepared(item, signer, at, resolver)
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
    _worker_renderer = LabelRenderer(load_template(template), font_path=font_path)


def _worker_qr_ops(contents: list[LabelContent]) -> list[list[str]]:
    assert _worker_renderer is not None
    return [_worker_renderer.qr_ops(content) for content in contents]


def _worker_write(job: tuple[LabelContent, str]) -> str:
    assert _worker_renderer is not None
    content, target = job
    write_atomic(target, _worker_renderer.render([content]))
    return target


def _pool(jobs: int, template: str, font_path: str | None) -> Any:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return context.Pool(jobs, initializer=_init_worker, initargs=(template, font_path))


def _chunks(values: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


# --------------------------------------------------------------------------- batches


def render_batch(
    items: Sequence[BatchItem], *, template: str, signer: Signer | None = None,
    at: dt.datetime, output: Path, resolver: str = DEFAULT_RESOLVER, jobs: int = 1,
    resume: bool = False,
    font_path: str | None = None, progress: Progress | None = None,
    to_directory: bool | None = None,
) -> BatchResult:
    """Render ``items`` with ``template`` (a name or file) into ``output``.

    ``output`` is a folder (one ``<name>.pdf`` each) if it is an existing directory, ends in
    a path separator or ``to_directory`` is set; otherwise one multi-page PDF.

    Every item is read and parsed (bundle and claim) before anything is rendered or
    written; if any is bad, :class:`BatchInputError` names every bad item and nothing is
    written (not even the output folder).
    """
    if jobs < 1:
        raise InputError("--jobs must be at least 1", code="bad_jobs")
    load_template(template)  # fail early on a bad template
    directory = to_directory if to_directory is not None else (
        output.is_dir() or str(output).endswith(("/", "\\")))
    advance = progress or (lambda n: None)
    if directory:
        return _render_directory(items, template=template, signer=signer, at=at,
                                 output=output, resolver=resolver, jobs=jobs, resume=resume,
                                 font_path=font_path, advance=advance)
    folder = output.parent if str(output.parent) else Path(".")
    if str(output) != "-" and not folder.is_dir():
        raise OutputError(f"{output}: the folder {folder} does not exist")
    if resume and output.is_file() and _batch_complete(output, items):
        advance(len(items))
        return BatchResult(0, len(items), output)
    # Small batches keep the prepared labels; large ones prepare each part again, so memory
    # stays flat (ADR 0029) at the cost of parsing every bundle twice (ADR 0050).
    kept = validate_items(items, signer=signer, at=at, resolver=resolver,
                          keep=len(items) <= PAGES_PER_PART)
    renderer = LabelRenderer(load_template(template), font_path=font_path)
    pool = _pool(jobs, template, font_path) if jobs > 1 else None
    try:
        def part(start: int, stop: int) -> bytes:
            contents = kept[start:stop] if kept else [
                _prepared(item, signer, at, resolver)[1] for item in items[start:stop]]
            operators: list[list[str]] = []
            if pool is None:
                for chunk in _chunks(contents, CHUNK):
                    operators.extend(renderer.qr_ops(c) for c in chunk)
                    advance(len(chunk))
            else:
                for result in pool.imap(_worker_qr_ops, _chunks(contents, CHUNK)):
                    operators.extend(result)
                    advance(len(result))
            return renderer.render(contents, operators,
                                   first_page=None if len(items) <= PAGES_PER_PART else start)

        if len(items) <= PAGES_PER_PART:
            write_atomic(output, part(0, len(items)))
        else:
            _render_in_parts(output, len(items), part)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    return BatchResult(len(items), 0, output)


def _render_in_parts(output: Path, count: int, part: Callable[[int, int], bytes]) -> None:
    """Render ``count`` pages in parts to temporary PDFs beside ``output`` and merge them,
    streaming, into ``output`` atomically (:mod:`cfl.label.merge`): memory does not grow
    with the number of pages, and every page keeps its own embedded bundle."""
    import tempfile

    folder = output.parent if str(output.parent) else Path(".")
    with tempfile.TemporaryDirectory(prefix=f".{output.name}.", suffix=".parts",
                                     dir=folder) as scratch:
        paths: list[Path] = []
        for number, start in enumerate(range(0, count, PAGES_PER_PART)):
            path = Path(scratch) / f"part-{number:05d}.pdf"
            path.write_bytes(part(start, min(start + PAGES_PER_PART, count)))
            paths.append(path)
        with open_atomic(output) as stream:
            merge_label_parts(paths, stream)


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


def _render_directory(
    items: Sequence[BatchItem], *, template: str, signer: Signer | None, at: dt.datetime,
    output: Path, resolver: str, jobs: int, resume: bool, font_path: str | None,
    advance: Progress,
) -> BatchResult:
    todo: list[tuple[LabelContent, str]] = []
    skipped = 0
    problems: list[InputError] = []
    for item in items:
        try:
            if item.problem is not None:
                raise item.problem
            data = _read_bundle(item)
            target = output / f"{item.name}.pdf"
            if resume and output_complete(target, data):
                skipped += 1
                continue
            todo.append((_content(item, data, signer, at, resolver), str(target)))
        except InputError as exc:
            problems.append(exc)
    if problems:
        raise BatchInputError(problems, total=len(items), source=_batch_source(items))
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{output}: cannot create the output folder ({exc.strerror}); "
                          "give a folder that exists or can be created") from None
    advance(skipped)
    if jobs == 1 or len(todo) < 2:
        renderer = LabelRenderer(load_template(template), font_path=font_path)
        for content, target_name in todo:
            write_atomic(target_name, renderer.render([content]))
            advance(1)
    else:
        with _pool(jobs, template, font_path) as pool:
            for _ in pool.imap_unordered(_worker_write, todo, chunksize=8):
                advance(1)
    return BatchResult(len(todo), skipped, output)

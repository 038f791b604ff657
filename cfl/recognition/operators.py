"""The closed vocabulary of checks: a registry of small functions keyed by operator name.

A check in a rule set or mapping file is a mapping with exactly one key, the operator::

    {present: $.pcf.dqi}
    {equals: {path: $.extensions[cfl].data.boundary, value: cradle-to-gate}}
    {all-of: [{present: $.pcf.fossilGhgEmissions}, {present: $.pcf.biogenicCO2Uptake}]}

Each operator parses its operands once (paths compiled, bounds turned into ``Decimal``)
into a frozen dataclass and evaluates to three-valued logic: TRUE, FALSE or UNKNOWN (the
data needed is missing or unreadable; the missing paths are named). Nothing in a file is
ever executed: operands are data, a string that looks like code is just a string.

Monotonicity: adding a missing field never turns a met check into a failed one. Every
operator except ``present`` answers UNKNOWN when a field is missing, and ``present`` may
not appear under ``not`` (that would make "field absent" a way to pass).
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Protocol

from cfl.errors import InputError
from cfl.recognition.paths import MISSING, DeclarationPath
from cfl.timeutil import add_years, parse_time_or_none

#: Bound on the nesting of any-of / all-of / not (a check tree is small by nature).
MAX_CHECK_DEPTH = 12
#: Bound on the items of an any-of / all-of / in list.
MAX_CHECK_ITEMS = 100


class Truth(enum.Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CheckResult:
    """What a check found: the truth value, a human sentence, and the paths it lacked."""

    truth: Truth
    detail: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvaluationContext:
    """The declaration checked and the time it is checked at (read once by the caller)."""

    declaration: Mapping[str, Any]
    at: dt.datetime
    #: The answer a trusted certifier attested for the requirement being evaluated (its
    #: ``manual`` checks take it); None: no attestation, a manual check stays UNKNOWN.
    attested: Truth | None = None
    attested_detail: str = ""


class Check(Protocol):
    operator: ClassVar[str]

    def evaluate(self, context: EvaluationContext) -> CheckResult: ...

    def paths(self) -> Iterator[DeclarationPath]: ...

    def describe(self) -> str: ...


#: operator name → parser of its operands (raw file data, place in the file) → Check.
OPERATORS: dict[str, Callable[[Any, str, int], Check]] = {}


def operator(name: str) -> Callable[[type[Any]], type[Any]]:
    """Register a check class under ``name``; the class provides ``parse(raw, where, depth)``."""

    def register(cls: type[Any]) -> type[Any]:
        cls.operator = name
        OPERATORS[name] = cls.parse
        return cls

    return register


def _fail(message: str, where: str) -> InputError:
    return InputError(message, location=where, code="bad_check")


def parse_check(raw: Any, where: str, depth: int = 0) -> Check:
    """Parse one check from file data; ``where`` is its JSON path in the file."""
    if depth > MAX_CHECK_DEPTH:
        raise _fail(f"checks nest more than {MAX_CHECK_DEPTH} levels deep", where)
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise _fail(
            "a check is a mapping with exactly one key, the operator "
            f"(one of: {', '.join(sorted(OPERATORS))})", where,
        )
    (name, operands), = raw.items()
    parser = OPERATORS.get(name)
    if parser is None:
        raise InputError(
            f"unknown operator {name!r}{_did_you_mean(str(name), OPERATORS)}; the operators "
            f"are: {', '.join(sorted(OPERATORS))}",
            location=where, code="unknown_operator",
        )
    return parser(operands, f"{where}.{name}" if name.isidentifier() else f"{where}['{name}']",
                  depth)


# ----------------------------------------------------------------------------- operands


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _path(raw: Any, where: str) -> DeclarationPath:
    try:
        return DeclarationPath.parse(raw)
    except ValueError as exc:
        raise _fail(str(exc), where) from None


def _fields(raw: Any, where: str, required: Sequence[str], optional: Sequence[str] = ()
            ) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise _fail(f"expected a mapping with keys {', '.join(required)}", where)
    unknown = sorted(set(raw) - set(required) - set(optional))
    if unknown:
        raise _fail(
            f"unknown key {unknown[0]!r}{_did_you_mean(str(unknown[0]), [*required, *optional])}"
            f"; expected {', '.join([*required, *optional])}", where
        )
    for key in required:
        if key not in raw:
            raise _fail(f"missing key {key!r}", where)
    return raw


def _bound(raw: Any, where: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        raise _fail(f"expected a decimal string such as \"5\" or \"0.25\", found {raw!r}", where)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise _fail(f"expected a decimal string such as \"5\" or \"0.25\", found {raw!r}",
                    where) from None
    if not value.is_finite():
        raise _fail(f"{raw!r} is not a finite number", where)
    return value


def _scalar(raw: Any, where: str) -> str | int | bool:
    if isinstance(raw, Decimal):
        raise _fail(f"write the number {raw} as a string (\"{raw}\") to compare exactly", where)
    if not isinstance(raw, str | int | bool):
        raise _fail(f"expected a string, integer or boolean, found {type(raw).__name__}", where)
    return raw


def _moment(raw: Any, where: str) -> dt.datetime:
    if not isinstance(raw, str):
        raise _fail(f"expected a date (2025-01-01) or RFC 3339 date-time, found {raw!r}", where)
    value = _as_moment(raw)
    if value is None:
        raise _fail(f"expected a date (2025-01-01) or RFC 3339 date-time, found {raw!r}", where)
    return value


def _as_moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    if len(value) == 10:
        try:
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)
        except ValueError:
            return None
    return parse_time_or_none(value)


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _missing(path: DeclarationPath) -> CheckResult:
    return CheckResult(Truth.UNKNOWN, f"{path} is missing", (path.text,))


def _unreadable(path: DeclarationPath, value: Any, expected: str) -> CheckResult:
    return CheckResult(Truth.UNKNOWN, f"{path} is {value!r}, not {expected}")


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


# ----------------------------------------------------------------------------- leaf operators


@operator("present")
@dataclass(frozen=True)
class Present:
    """The field exists (and is not null, an empty string or an empty list/object)."""

    path: DeclarationPath
    operator: ClassVar[str]

    @classmethod
    def parse(cls, raw: Any, where: str, depth: int) -> Present:
        return cls(_path(raw, where))

    def evaluate(self, context: EvaluationContext) -> CheckResult:
        value = self.path.resolve(context.declaration)
        if value is MISSING or value is None or (isinstance(value, str | list | dict)
                                                 and len(value) == 0):
            return CheckResult(Truth.FALSE, f"{self.path} is missing", (self.path.text,))
        return CheckResult(Truth.TRUE, f"{self.path} is present")

    def paths(self) -> Iterator[DeclarationPath]:
        yield self.path

    def describe(self) -> str:
        return f"{self.path} is present"


@operator("equals")
@dataclass(frozen=True)
class Equals:
    """The field equals a value (exact JSON equality; decimal strings compare as text)."""

    path: DeclarationPath
    value: str | int | bool
    operator: ClassVar[str]

    @classmethod
    def parse(cls, raw: Any, where: str, depth: int) -> Equals:
        fields = _fields(raw, where, ("path", "value"))
        return cls(_path(fields["path"], f"{where}.path"),
                   _scalar(fields["value"], f"{where}.value"))

    def evaluate(self, context: EvaluationContext) -> CheckResult:
        value = self.path.resolve(context.declaration)
        if value is MISSING:
            return _missing(self.path)
        if value == self.value and type(value) is type(self.value):
            return CheckResult(Truth.TRUE, f"{self.path} is {_show(value)}")
        return CheckResult(Truth.FALSE, f"{self.path} is {_show(value)}, "
                           f"expected {_show(self.value)}")

    def paths(self) -> Iterator[DeclarationPath]:
        yield self.path

    def describe(self) -> str:
        return f"{self.path} = {_show(self.value)}"


@operator("in")
@dataclass(frozen=True)
class OneOf:
    """The field is one of the listed values."""

    path: DeclarationPath
    values: tuple[str | int | bool, ...]
    operator: ClassVar[str]

    @classmethod
    def parse(cls, raw: Any, where: str, depth: int) -> OneOf:
        fields = _fields(raw, where, ("path", "values"))
        values = fields["values"]
        if not isinstance(values, list) or not values or len(values) > MAX_CHECK_ITEMS:
            raise _fail(f"values must be a list of 1 to {MAX_CHECK_ITEMS} items", f"{where}.values")
        return cls(_path(fields["path"], f"{where}.path"),
                   tuple(_scalar(v, f"{where}.values[{i}]") for i, v in enumerate(values)))

    def evaluate(self, context: EvaluationContext) -> CheckResult:
        value = self.path.resolve(context.declaration)
        if value is MISSING:
            return _missing(self.path)
        if any(value == v and type(value) is type(v) for v in self.values):
            return CheckResult(Truth.TRUE, f"{self.path} is {_show(value)}")
        return CheckResult(Truth.FALSE, f"{self.path} is {_show(value)}, expected one of "
                           f"{', '.join(_show(v) for v in self.values)}")

    def paths(self) -> Iterator[DeclarationPath]:
        yield self.path

    def describe(self) -> str:
        return f"{self.path} in [{', '.join(_show(v) for v in self.values)}]"


@operator("contains")
@dataclass(frozen=True)
class Contains:
    """The field is a list that holds the value."""

    path: DeclarationPath
    value: str | int | bool
    operator: ClassVar[str]

    @classmethod
    def parse(cls, raw: Any, where: str, depth: int) -> Contains:
        fields = _fields(raw, where, ("path", "value"))
        return cls(_path(fields["path"], f"{where}.path"),
                   _scalar(fields["value"], f"{where}.value"))

    def evaluate(self, context: EvaluationContext) -> CheckResult:
        value = self.path.resolve(context.declaration)
        if value is MISSING:
            return _missing(self.path)
        if not isinstance(value, list):
            return _unreadable(self.path, value, "a list")
        if self.value in value:
            return CheckResult(Truth.TRUE, f"{self.path} contains {_show(self.value)}")
        return CheckResult(Truth.FALSE, f"{self.path} is {value}, which lacks {_show(self.value)}")

    def paths(self) -> Iterator[DeclarationPath]:
        yield self.path

    def describe(self) -> str:
        return f"{self.path} contains {_show(self.value)}"


@dataclass(frozen=True)
class Bounds:
    """Inclusive ``min``/``max`` and exclusive ``above``/``below`` decimal bounds."""

    min: Decimal | None = None
    max: Decimal | None = None
    above: Decimal | None = None
    below: Decimal | None = None

    @classmethod
    def parse(cls, fields: Mapping[str, Any], where: str) -> Bounds:
        values = {key: _bound(fields[key], f"{where}.{key}")
                  for key in ("min", "max", "above", "below") if key in fields}
        if not values:
            raise _fail("give at least one of min, max, above, below", where)
        return cls(**values)

    def holds(self, value: Decimal) -> bool:
        return ((self.min is None or value >= self.min) and (self.max is None or value <= self.max)
                and (self.above is None or value > self.above)
                and (self.below is None or value < self.below))

    def describe(self) -> str:
        parts = []
        if self.min is not None:
            parts.append(f">= {self.min}")
        if self.above is not None:
            parts.append(f"> {self.above}")
        if self.max is not None:
            parts.append(f"<= {self.max}")
        if self.below is not None:
            parts.append(f"< {self.below}")
        return " and ".join(parts)


@operator("range")
@dataclass(frozen=True)
class Range:
    """The field is a decimal within bounds."""

    path: DeclarationPath
    bounds: Bounds
    operator: ClassVar[str]

    @classmethod
    def parse(cls, raw: Any, where: str, depth: int) -> Range:
        fields = _fields(raw, where, ("path",), ("min", "max", "above", "below"))
        return cls(_path(fields["path"], f"{where}.path"), Bounds.parse(fields, where))

    def evaluate(self, context: EvaluationContext) -> CheckResult:
        value = self.path.resolve(context.declaration)
        if value is MISSING:
            return _missing(self.path)
        number = _as_decimal(value)
        if number is None:
            return _unreadable(self.path, value, "a decimal")
        truth = Truth.TRUE if self.bounds.holds(number) else Truth.FALSE
        verb = "is" if truth is Truth.TRUE else "is not"
        return CheckResult(truth, f"{self.path} = {number} {verb} {self.bounds.describe()}")

    def paths(self) -> Iterator[DeclarationPath]:
        yield self.path

    def describe(self) -> str:
        return f"{self.path} {self.bounds.describe()}"


@operator("ratio")
@dataclass(frozen=True)
class Ratio:
    """numerator / denominator (two decimal fields) is within bounds."""

    numerator: DeclarationPath
    denominator: DeclarationPath
    bounds: Bounds
    operator: ClassVar[str]

    @classmethod
    def parse(cls, raw: Any, where: str, depth: int) -> Ratio:
        fields = _fields(raw, where, ("numerator", "denominator"), ("min", "max", "above", "below"))
        return cls(_path(fields["numerator"], f"{where}.numerator"),
                   _path(fields["denominator"], f"{where}.denominator"),
                   Bounds.parse(fields, where))

    def evaluate(self, context: EvaluationContext) -> CheckResult:
        top = self.numerator.resolve(context.declaration)
        bottom = self.denominator.resolve(context.declaration)
        missing = tuple(p.text for p, v in ((self.numerator, top), (self.denominator, bottom))
                        if v is MISSING)
        if missing:
            return CheckResult(Truth.UNKNOWN, f"{' and '.join(missing)} missing", missing)
        top_n, bottom_n = _as_decimal(top), _as_decimal(bottom)
        if top_n is None:
            return _unreadable(self.numerator, top, "a decimal")
        if bottom_n is None:
            return _unreadable(self.denominator, bottom, "a decimal")
        if bottom_n == 0:
            return CheckResult(Truth.UNKNOWN, f"{self.denominator} is zero; the ratio is undefined")
        ratio = top_n / bottom_n
        truth = Truth.TRUE if self.bounds.holds(ratio) else Truth.FALSE
        verb = "is" if truth is Truth.TRUE else "is not"
        return CheckResult(truth, f"{self.numerator} / {self.denominator} = {ratio:.4g} {verb} "
                           f"{self.bounds.describe()}")

    def paths(self) -> Iterator[DeclarationPath]:
        yield self.numerator
        yield self.denominator

    def describe(self) -> str:
        return f"{self.numerator} / {self.denominator} {self.bounds.describe()}"


@operator("max-age-years")
@dataclass(frozen=True)
class MaxAgeYears:
    """The date at the field is at most N years before the time of the check."""

    path: DeclarationPath
    years: int
    operator: ClassVar[str]

    @classmethod
    def parse(cls, raw: Any, where: str, depth: int) -> MaxAgeYears:
        fields = _fields(raw, where, ("path", "years"))
        years = fields["years"]
        if isinstance(years, bool) or not isinstance(years, int) or not 0 <= years <= 100:
            raise _fail("years must be an integer from 0 to 100", f"{where}.years")
        return cls(_path(fields["path"], f"{where}.path"), years)

    def evaluate(self, context: EvaluationContext) -> CheckResult:
        value = self.path.resolve(context.declaration)
        if value is MISSING:
            return _missing(self.path)
        moment = _as_moment(value)
        if moment is None:
            return _unreadable(self.path, value, "a date")
        limit = add_years(moment, self.years)  # None: beyond the calendar, so not too old
        if limit is None or limit >= context.at:
            return CheckResult(Truth.TRUE, f"{self.path} ({value}) is at most {self.years} "
                               "years old")
        return CheckResult(Truth.FALSE, f"{self.path} ({value}) is more than {self.years} "
                           "years old")

    def paths(self) -> Iterator[DeclarationPath]:
        yield self.path

    def describe(self) -> str:
        return f"{self.path} at most {self.years} years old"


@operator("max-years-between")
@dataclass(frozen=True)
class MaxYearsBetween:
    """The date at ``to`` is at most N years after the date at ``from``."""

    start: DeclarationPath
    end: DeclarationPath
    years: int
    operator: ClassVar[str]

    @classmethod
    def parse(cls, raw: Any, where: str, depth: int) -> MaxYearsBetween:
        fields = _fields(raw, where, ("from", "to", "years"))
        years = fields["years"]
        if isinstance(years, bool) or not isinstance(years, int) or not 0 <= years <= 100:
            raise _fail("years must be an integer from 0 to 100", f"{where}.years")
        return cls(_path(fields["from"], f"{where}.from"), _path(fields["to"], f"{where}.to"),
                   years)

    def evaluate(self, context: EvaluationContext) -> CheckResult:
        start = self.start.resolve(context.declaration)
        end = self.end.resolve(context.declaration)
        missing = tuple(p.text for p, v in ((self.start, start), (self.end, end)) if v is MISSING)
        if missing:
            return CheckResult(Truth.UNKNOWN, f"{' and '.join(missing)} missing", missing)
        start_m, end_m = _as_moment(start), _as_moment(end)
        if start_m is None:
            return _unreadable(self.start, start, "a date")
        if end_m is None:
            return _unreadable(self.end, end, "a date")
        limit = add_years(start_m, self.years)  # None: beyond the calendar
        if limit is None or end_m <= limit:
            return CheckResult(Truth.TRUE, f"{self.end} is within {self.years} years of "
                               f"{self.start}")
        return CheckResult(Truth.FALSE, f"{self.end} ({end}) is more than {self.years} years "
                           f"after {self.start} ({start})")

    def paths(self) -> Iterator[DeclarationPath]:
        yield self.start
        yield self.end

    def describe(self) -> str:
        return f"{self.end} at most {self.years} years after {self.start}"


@operator("date-range")
@dataclass(frozen=True)
class DateRange:
    """The date at the field is on or after ``from`` and/or before ``until``."""

    path: DeclarationPath
    start: dt.datetime | None
    until: dt.datetime | None
    operator: ClassVar[str]

    @classmethod
    def parse(cls, raw: Any, where: str, depth: int) -> DateRange:
        fields = _fields(raw, where, ("path",), ("from", "until"))
        if "from" not in fields and "until" not in fields:
            raise _fail("give from, until or both", where)
        start = _moment(fields["from"], f"{where}.from") if "from" in fields else None
        until = _moment(fields["until"], f"{where}.until") if "until" in fields else None
        return cls(_path(fields["path"], f"{where}.path"), start, until)

    def evaluate(self, context: EvaluationContext) -> CheckResult:
        value = self.path.resolve(context.declaration)
        if value is MISSING:
            return _missing(self.path)
        moment = _as_moment(value)
        if moment is None:
            return _unreadable(self.path, value, "a date")
        inside = (self.start is None or moment >= self.start) and (
            self.until is None or moment < self.until)
        verb = "is" if inside else "is not"
        return CheckResult(Truth.TRUE if inside else Truth.FALSE,
                           f"{self.path} ({value}) {verb} {self._window()}")

    def _window(self) -> str:
        parts = []
        if self.start is not None:
            parts.append(f"on or after {self.start.date()}")
        if self.until is not None:
            parts.append(f"before {self.until.date()}")
        return " and ".join(parts)

    def paths(self) -> Iterator[DeclarationPath]:
        yield self.path

    def describe(self) -> str:
        return f"{self.path} {self._window()}"


@operator("manual")
@dataclass(frozen=True)
class Manual:
    """A requirement cfl's data cannot show: always UNKNOWN, naming what to check by hand."""

    what: str
    operator: ClassVar[str]

    @classmethod
    def parse(cls, raw: Any, where: str, depth: int) -> Manual:
        if not isinstance(raw, str) or not raw.strip() or len(raw) > 500:
            raise _fail("manual takes a sentence (1 to 500 characters) saying what to check",
                        where)
        return cls(raw)

    def evaluate(self, context: EvaluationContext) -> CheckResult:
        if context.attested is not None:
            return CheckResult(context.attested, f"{self.what}: {context.attested_detail}")
        return CheckResult(Truth.UNKNOWN, f"needs a manual check: {self.what}")

    def paths(self) -> Iterator[DeclarationPath]:
        return iter(())

    def describe(self) -> str:
        return f"manual: {self.what}"


# ----------------------------------------------------------------------------- combinators


def _check_list(raw: Any, where: str, depth: int) -> tuple[Check, ...]:
    if not isinstance(raw, list) or not raw or len(raw) > MAX_CHECK_ITEMS:
        raise _fail(f"expected a list of 1 to {MAX_CHECK_ITEMS} checks", where)
    return tuple(parse_check(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(raw))


def _merge(results: Sequence[CheckResult], truth: Truth) -> CheckResult:
    chosen = [r for r in results if r.truth is truth]
    missing = tuple(dict.fromkeys(m for r in chosen for m in r.missing))
    return CheckResult(truth, "; ".join(r.detail for r in chosen), missing)


@operator("all-of")
@dataclass(frozen=True)
class AllOf:
    """Every check holds (one FALSE decides; otherwise one UNKNOWN leaves it open)."""

    checks: tuple[Check, ...]
    operator: ClassVar[str]

    @classmethod
    def parse(cls, raw: Any, where: str, depth: int) -> AllOf:
        return cls(_check_list(raw, where, depth))

    def evaluate(self, context: EvaluationContext) -> CheckResult:
        results = [c.evaluate(context) for c in self.checks]
        for truth in (Truth.FALSE, Truth.UNKNOWN):
            if any(r.truth is truth for r in results):
                return _merge(results, truth)
        return _merge(results, Truth.TRUE)

    def paths(self) -> Iterator[DeclarationPath]:
        for check in self.checks:
            yield from check.paths()

    def describe(self) -> str:
        return "all of (" + "; ".join(c.describe() for c in self.checks) + ")"


@operator("any-of")
@dataclass(frozen=True)
class AnyOf:
    """At least one check holds (one TRUE decides; otherwise one UNKNOWN leaves it open)."""

    checks: tuple[Check, ...]
    operator: ClassVar[str]

    @classmethod
    def parse(cls, raw: Any, where: str, depth: int) -> AnyOf:
        return cls(_check_list(raw, where, depth))

    def evaluate(self, context: EvaluationContext) -> CheckResult:
        results = [c.evaluate(context) for c in self.checks]
        for truth in (Truth.TRUE, Truth.UNKNOWN):
            if any(r.truth is truth for r in results):
                first = next(r for r in results if r.truth is truth)
                if truth is Truth.TRUE:
                    return first
                return _merge(results, Truth.UNKNOWN)
        return _merge(results, Truth.FALSE)

    def paths(self) -> Iterator[DeclarationPath]:
        for check in self.checks:
            yield from check.paths()

    def describe(self) -> str:
        return "any of (" + "; ".join(c.describe() for c in self.checks) + ")"


@operator("not")
@dataclass(frozen=True)
class Not:
    """The check does not hold (UNKNOWN stays UNKNOWN). ``present`` may not appear inside."""

    check: Check
    operator: ClassVar[str]

    @classmethod
    def parse(cls, raw: Any, where: str, depth: int) -> Not:
        inner = parse_check(raw, where, depth + 1)
        if _uses_present(inner):
            raise _fail(
                "'present' may not appear under 'not': a requirement must not be met by "
                "leaving data out (adding a field would then turn met into not met)", where,
            )
        return cls(inner)

    def evaluate(self, context: EvaluationContext) -> CheckResult:
        inner = self.check.evaluate(context)
        if inner.truth is Truth.UNKNOWN:
            return inner
        flipped = Truth.FALSE if inner.truth is Truth.TRUE else Truth.TRUE
        return CheckResult(flipped, f"not ({inner.detail})", inner.missing)

    def paths(self) -> Iterator[DeclarationPath]:
        return self.check.paths()

    def describe(self) -> str:
        return f"not ({self.check.describe()})"


def _uses_present(check: Check) -> bool:
    if isinstance(check, Present):
        return True
    if isinstance(check, AllOf | AnyOf):
        return any(_uses_present(c) for c in check.checks)
    if isinstance(check, Not):
        return _uses_present(check.check)
    return False

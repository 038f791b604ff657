"""Build the offline verification page: one self-contained HTML file holding the accepted
trust list, revocation lists and status lists, verified here exactly as ``cfl verify`` does.

The page (``page.html``, ``page.css``, ``page.js`` in this package) verifies a QR claim in
the browser with WebCrypto and shows the same rows and reason codes as
:func:`cfl.claim.codec.verify_claim` without a bundle (docs/cli-page.md, ADR 0070). What it
embeds was accepted at build time against the pinned operator anchor; it never fetches
anything: its Content-Security-Policy is ``default-src 'none'`` with the hashes of its one
inline script and its one style sheet.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from cfl.claim import model as claim_model
from cfl.claim import text as claim_text
from cfl.errors import InputError
from cfl.label.templates import load_messages
from cfl.log import entries as log_entries
from cfl.log.hashing import MAX_PROOF_HASHES
from cfl.log.note import VerifierKey, raw_public_key
from cfl.log.proof import MAX_PROOF_BYTES, PROOF_HEADER
from cfl.report import reasons
from cfl.report.model import Status
from cfl.signing.keys import PublicKey
from cfl.timeutil import CLOCK_SKEW, format_time
from cfl.trust.context import TrustContext, load_trust_context
from cfl.trust.revocation import RevocationList, declaration_key
from cfl.trust.trust_list import TrustList

#: Format version of the data block the page script reads (2: it also holds the claim
#: format, the limits, the clock skew and the sentences of the page's rows).
PAGE_DATA_VERSION = 2
#: The reason codes the page's script produces: the rows of
#: :func:`cfl.verification.claim_check.verify_claim` (docs/cli-page.md), the claim
#: decoder's error codes, and its own two (``crypto_unavailable``, ``bad_time``).
#: Their sentences are handed to the page, which renders them in Chinese and English.
PAGE_REASONS = (
    "bad_claim_text", "claim_too_large", "bad_resolver", "bad_claim", "claim_not_deterministic",
    "bad_claim_alg", "bad_claim_version", "claim_well_formed", "crypto_unavailable", "bad_time",
    "trust_list_signed", "trust_list_expired", "trust_list_not_yet_valid", "trust_list_fresh",
    "trust_list_first_seen", "trust_list_unavailable", "kid_mismatch", "signer_untrusted",
    "alg_key_mismatch", "signature_invalid", "signature_valid", "signer_wrong_role",
    "signer_trusted", "signer_suspended", "signer_withdrawn", "signed_in_future",
    "signer_not_yet_valid_at_signing", "signer_expired_at_signing", "signer_valid_at_signing",
    "signer_not_yet_valid", "signer_expired", "signer_valid", "scope_category",
    "scope_rule_set", "scope_covered", "revocation_unavailable", "revoked", "not_revoked",
    "revocation_stale", "resolver_named", "resolver_unknown",
    # a format-2 claim's status index in its certifier's status list (ADR 0143)
    "status_list_unavailable", "status_index_out_of_range", "status_list_unsupported",
    "declaration_not_yet_valid", "declaration_expired", "declaration_valid",
    # a page a register serves also binds the claim to the bundle it fetches
    "claim_digest_mismatch", "claim_bound", "claim_disagrees", "claim_agrees",
    # … and checks the proof of disclosure it fetches (cfl.verification.disclosure_check)
    "disclosed", "disclosure_missing", "disclosure_required", "disclosure_log_unknown",
    "disclosure_proof_malformed", "disclosure_signature_invalid",
    "disclosure_inclusion_invalid", "disclosure_quorum", "disclosure_log_not_valid",
    "disclosure_entry_mismatch",
)
#: The frames the page words a claim decoding error with (:data:`cfl.report.reasons.FRAMES`).
PAGE_FRAMES = ("claim",)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_PLACEHOLDERS = ("{{CSP}}", "{{STYLE}}", "{{SCRIPT}}", "{{DATA}}")


@dataclass(frozen=True)
class PageSources:
    """The page's template, style sheet and script (package data of :mod:`cfl.web`)."""

    html: str
    css: str
    script: str

    @classmethod
    def packaged(cls) -> PageSources:
        folder = resources.files("cfl.web")
        return cls(*(folder.joinpath(name).read_text(encoding="utf-8")
                     for name in ("page.html", "page.css", "page.js")))


def build_page(
    trust_list: bytes, *, anchor: PublicKey, revocations: Sequence[bytes] = (),
    at: dt.datetime, source: str = "<trust list>",
    revocation_sources: Sequence[str] | None = None, sources: PageSources | None = None,
    status_lists: Sequence[bytes] = (), status_list_sources: Sequence[str] | None = None,
) -> bytes:
    """The HTML bytes of a verification page for ``trust_list`` accepted at ``at``.

    The trust list and every revocation list and status list are checked as ``cfl verify``
    checks them (:func:`cfl.trust.trust_list.load_trust_context`, no stored state); any row
    that is not PASSED refuses the build (:class:`InputError`, code
    ``page_trust_not_accepted``). A status list is embedded with its bits compressed as
    its file holds them; the page inflates them itself.
    """
    context = load_trust_context(trust_list, anchor=anchor, at=at, revocations=revocations,
                                 source=source, revocation_sources=revocation_sources,
                                 status_lists=status_lists,
                                 status_list_sources=status_list_sources)
    refused = [row for row in context.rows if row.status is not Status.PASSED]
    if refused or context.trust_list is None:
        # name the file each refusal is about (a revocation list is not the trust list)
        named = refused[0].subject if refused and refused[0].subject else source
        detail = "; ".join(
            (f"{row.subject}: " if row.subject and row.subject != named else "")
            + f"{row.code}: {row.message}" for row in refused) or "no list"
        raise InputError(f"cannot be embedded in a verification page: {detail}",
                         source=named, code="page_trust_not_accepted")
    data = page_data(context, context.trust_list, anchor=anchor, at=at)
    return render_page(data, sources or PageSources.packaged())


def _millis(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


def _time(moment: dt.datetime) -> dict[str, Any]:
    return {"ms": _millis(moment), "text": format_time(moment)}


def _public_jwk(key: PublicKey) -> dict[str, str]:
    """Only the members WebCrypto needs to import the key (no alg/kid/use)."""
    return {name: str(key.jwk[name]) for name in ("kty", "crv", "x", "y") if name in key.jwk}


def _note_key(key: VerifierKey) -> dict[str, Any]:
    return {"name": key.name, "id": key.key_id,
            "key": base64.b64encode(raw_public_key(key.public_key)).decode("ascii")}


def _logs(trust_list: TrustList) -> list[dict[str, Any]]:
    """The transparency logs of the trust list, as the page checks proofs against them."""
    return [{"origin": log.origin, "keys": [_note_key(key) for key in log.log_keys],
             "validFrom": _time(log.valid_from), "validUntil": _time(log.valid_until),
             "quorum": log.witnesses.quorum,
             "witnesses": [_note_key(key) for key in log.witnesses.witnesses],
             "required": log.required} for log in trust_list.transparency_logs]


def _currency(context: TrustContext, issuer: str, revocation_list: RevocationList
              ) -> dict[str, Any]:
    """Until when a revocation list is current, by the one rule of the Python verifier
    (:meth:`TrustContext.list_currency`: its next update, the default age, or the maximum
    age the trust list sets for its issuer), and the form of ``revocation_stale`` past it."""
    currency = context.list_currency(issuer, issued=revocation_list.issued,
                                     next_update=revocation_list.next_update)
    form = ("max_age" if currency.max_age is not None
            else "" if revocation_list.next_update is not None else "age")
    return {"currentUntil": _time(currency.until),
            "nextUpdate": revocation_list.next_update is not None,
            "staleForm": form,
            "maxAgeSeconds": (None if currency.max_age is None
                              else int(currency.max_age.total_seconds()))}


def page_data(context: TrustContext, trust_list: TrustList, *, anchor: PublicKey,
              at: dt.datetime) -> dict[str, Any]:
    """The JSON the page script reads: accepted entries, list facts, revocations."""
    entries = [{
        "kid": entry.kid,
        "alg": entry.public_key.alg,
        "jwk": _public_jwk(entry.public_key),
        "name": entry.name,
        "accreditation": {"accreditor": entry.accreditation.accreditor,
                          "number": entry.accreditation.number},
        "roles": list(entry.roles),
        "scopeCategories": list(entry.scope_categories),
        "scopeRuleSets": list(entry.scope_rule_sets),
        "validFrom": _time(entry.valid_from),
        "validUntil": _time(entry.valid_until),
        "status": entry.status,
    } for entry in trust_list.entries]
    revocations = {issuer: {
        "version": revocation_list.version,
        "issued": _time(revocation_list.issued),
        **_currency(context, issuer, revocation_list),
        "entries": [{"id": entry.id, "key": declaration_key(entry.id), "reason": entry.reason,
                     "revokedAt": _time(entry.revoked_at)}
                    for entry in revocation_list.entries],
    } for issuer, revocation_list in sorted(context.revocation_lists.items())}
    status_lists = {issuer: {
        "issuer": issuer,
        "version": status_list.version,
        "issued": _time(status_list.issued),
        "size": status_list.size,
        # the one freshness rule of revocation lists (ADR 0136, 0139)
        "currentUntil": _time(context.list_currency(
            issuer, issued=status_list.issued, next_update=status_list.next_update).until),
        "bits": status_list.encoded_bits,
    } for issuer, status_list in sorted(context.status_lists.items())}
    return {
        "format": PAGE_DATA_VERSION,
        "builtAt": _time(at),
        "anchorKid": anchor.kid,
        "trustList": {"operator": trust_list.operator, "version": trust_list.version,
                      "issued": _time(trust_list.issued),
                      "expires": _time(trust_list.expires),
                      "sha256": trust_list.digest.hex()},
        "entries": entries,
        "revocations": revocations,
        "statusLists": status_lists,
        "logs": _logs(trust_list),
        # the URL prefixes the scheme's QR codes may carry, in the form they are compared in
        # (cfl.trust.resolvers: https, IDNA A-label host, port, path segments)
        "resolvers": [prefix.to_json() for prefix in trust_list.resolvers],
        **page_vocabulary(),
    }


def _js_pattern(pattern: str) -> str:
    """A Python regular expression (of the subset both languages read alike) for JavaScript:
    Python's final ``$`` also matches before a final newline, JavaScript's does not."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + "\\n?$"
    return pattern


#: The last whole second :mod:`datetime` can hold (9999-12-31T23:59:59Z).
_MAX_DATETIME_SECONDS = int(dt.datetime.max.replace(microsecond=0, tzinfo=dt.UTC).timestamp())


def _display_names() -> dict[str, dict[str, dict[str, str]]]:
    """Category, rule set and boundary names in Chinese and English, as the label prints
    them (templates/messages/*.yaml), so the page shows names rather than slugs."""
    messages, m = load_messages(), claim_model
    tables = {"categories": ("category", m.CATEGORY_CODES),
              "ruleSets": ("ruleset", m.RULE_SET_CODES),
              "boundaries": ("boundary", m.BOUNDARY_CODES)}
    return {name: {slug: {lang: messages.get(f"{prefix}.{slug}", lang, slug)
                          for lang in ("en", "zh")}
                   for slug in codes}
            for name, (prefix, codes) in tables.items()}


def page_vocabulary() -> dict[str, Any]:
    """What the page's script knows of the claim format and of its rows, from the Python that
    owns it: the code tables, payload keys and limits (:mod:`cfl.claim.model`,
    :mod:`cfl.claim.text`), the clock skew (:data:`cfl.timeutil.CLOCK_SKEW`) and the
    sentences of :data:`PAGE_REASONS` in every language (:mod:`cfl.report.reasons`). The
    script holds only logic."""
    m = claim_model
    keys = {"version": m.KEY_VERSION, "id": m.KEY_DECLARATION_ID, "digest": m.KEY_DIGEST,
            "product": m.KEY_PRODUCT_ID, "category": m.KEY_PRODUCT_CATEGORY,
            "value": m.KEY_VALUE, "unit": m.KEY_UNIT, "amount": m.KEY_UNIT_AMOUNT,
            "boundary": m.KEY_BOUNDARY, "ruleSet": m.KEY_RULE_SET, "grade": m.KEY_GRADE,
            "validUntil": m.KEY_VALID_UNTIL, "issuedAt": m.KEY_ISSUED_AT,
            "validFrom": m.KEY_VALID_FROM}
    return {
        "claimFormat": {
            "version": m.CLAIM_FORMAT_VERSION,
            "coseSign1Tag": m.COSE_SIGN1_TAG,
            "algorithms": {str(code): name for name, code in m.COSE_ALG_BY_NAME.items()},
            "keys": keys,
            "requiredKeys": sorted(m.REQUIRED_KEYS),
            "knownKeys": sorted(m.KNOWN_KEYS),
            "units": dict(m.UNIT_CODES),
            "boundaries": dict(m.BOUNDARY_CODES),
            "categories": dict(m.CATEGORY_CODES),
            "ruleSets": dict(m.RULE_SET_CODES),
            "kidHintBytes": m.KID_HINT_BYTES,
            "maxTime": m.MAX_TIME,
            "maxTextField": m.MAX_TEXT_FIELD,
            "maxDecimalDigits": m.MAX_DECIMAL_DIGITS,
            "gtinUrnPattern": _js_pattern(m.GTIN_URN.pattern),
            # format 2 (ADR 0142): the positional array, its algorithms, day dates and bounds
            "format2": {
                "version": m.CLAIM_FORMAT_2,
                "items": m.FORMAT_2_ITEMS,
                "algorithms": {str(code): name for name, code in m.COSE_ALG_2_BY_NAME.items()},
                "kidHintBytes": m.KID_HINT_BYTES_2,
                "dayEpochMs": _millis(m.DAY_EPOCH),
                "dayMs": dt.timedelta(days=1) // dt.timedelta(milliseconds=1),
                "maxIssuedDay": m.MAX_ISSUED_DAY,
                "maxDayOffset": m.MAX_DAY_OFFSET,
                "maxStatusIndex": m.MAX_STATUS_INDEX,
                "lastDay": m.LAST_DAY,
                "bindingBytes": m.BINDING_BYTES,
                "bindingContext": m.BINDING_CONTEXT.decode("ascii"),
                "gtinBytes": m.GTIN_BYTES,
                "categories": dict(m.CATEGORY_CODES_2),
                "gtinUrnPattern": m.GTIN_ANY_URN.pattern,  # used with fullmatch
                "maxGradeChars": m.MAX_GRADE_CHARS,
            },
        },
        "textForm": {
            "maxClaimBytes": claim_text.MAX_CLAIM_BYTES,
            "maxClaimDigits": claim_text.MAX_CLAIM_DIGITS,
            "maxResolverChars": claim_text.MAX_RESOLVER_CHARS,
            "maxTextChars": claim_text.MAX_TEXT_CHARS,
            # the one pattern check_resolver uses (cfl.claim.text does not export it)
            "resolverPattern": _js_pattern(claim_text.RESOLVER_PATTERN.pattern),
        },
        "clockSkewMs": CLOCK_SKEW // dt.timedelta(milliseconds=1),
        # what the page reads of a proof of disclosure (cfl.log.proof, cfl.log.entries)
        "proofFormat": {"header": PROOF_HEADER, "maxBytes": MAX_PROOF_BYTES,
                        "maxHashes": MAX_PROOF_HASHES,
                        "entryVersion": log_entries.ENTRY_FORMAT_VERSION,
                        "bundleType": log_entries.TYPE_BUNDLE,
                        "bundleBytes": log_entries.BUNDLE_ENTRY_BYTES},
        # the last second a verifier's clock (Python's datetime) can name: a claim time past
        # it is out of range in both verifiers, although the text form could carry it
        "maxTimeSeconds": _MAX_DATETIME_SECONDS,
        "names": _display_names(),
        "reasons": {code: {
            "checks": list(entry.checks),
            "status": entry.status.value,
            "formStatuses": {form: status.value
                             for form, status in entry.form_statuses.items()},
            "sentences": {form: dict(texts) for form, texts in entry.sentences.items()},
            "problem": None if entry.problem is None else dict(entry.problem),
        } for code in PAGE_REASONS for entry in (reasons.reason(code),)},
        "frames": {name: {"checks": list(reasons.FRAMES[name].checks),
                          "templates": dict(reasons.FRAMES[name].templates)}
                   for name in PAGE_FRAMES},
        "sentenceSyntax": {"placeholder": reasons.PLACEHOLDER.pattern,
                           "ageUnits": [list(unit) for unit in reasons.AGE_UNITS],
                           "ageWords": {language: {unit: list(words)
                                                   for unit, words in units.items()}
                                        for language, units in reasons.AGE_WORDS.items()},
                           "terms": {name: dict(texts) for name, texts in reasons.TERMS.items()},
                           "termJoiners": dict(reasons.TERM_JOINERS)},
    }


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(css: str, script: str, *, connect: str = "'none'") -> str:
    """No network, no plugins, no forms, no base URL; only the page's own style and script
    (by hash) run. ``connect`` is the page's ``connect-src``: ``'none'`` for the offline page,
    ``'self'`` for the page a register serves (it fetches bundles from its own origin)."""
    if connect not in ("'none'", "'self'"):
        raise ValueError(f"connect-src must be 'none' or 'self', not {connect!r}")
    return ("default-src 'none'; "
            f"script-src {_csp_hash(script)}; style-src {_csp_hash(css)}; "
            f"img-src 'none'; connect-src {connect}; base-uri 'none'; form-action 'none'")


def _data_block(data: dict[str, Any]) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``<``, ``>`` or ``&``)."""
    text = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(data: dict[str, Any], sources: PageSources, *, connect: str = "'none'"
                ) -> bytes:
    """Fill the template: CSP meta (hashes of the exact inline texts), style, script, data."""
    html = sources.html
    for placeholder in _PLACEHOLDERS:
        if html.count(placeholder) != 1:
            raise InputError(f"the page template must hold {placeholder} exactly once",
                             source="cfl/web/page.html", code="bad_page_template")
    for name, text in (("page.css", sources.css), ("page.js", sources.script)):
        if "</" in text:
            raise InputError("must not contain '</' (it is inlined in the page)",
                             source=f"cfl/web/{name}", code="bad_page_template")
    values = {"{{CSP}}": content_security_policy(sources.css, sources.script, connect=connect),
              "{{STYLE}}": sources.css, "{{SCRIPT}}": sources.script,
              "{{DATA}}": _data_block(data)}
    # Replace in one pass so that no inserted text is scanned for placeholders again.
    out: list[str] = []
    rest = html
    while True:
        found = [(rest.find(p), p) for p in _PLACEHOLDERS if rest.find(p) >= 0]
        if not found:
            out.append(rest)
            break
        index, placeholder = min(found)
        out.append(rest[:index])
        out.append(values[placeholder])
        rest = rest[index + len(placeholder):]
    return "".join(out).encode("utf-8")

"""The reason codes of report rows: one registry, sentences rendered late (STYLE 18).

Every code a :class:`~cfl.report.model.CheckRow` can carry is registered here once, with
the check (or checks) it appears under, its status, and its sentence in English and in
Chinese. A row holds its code and arguments; its sentence is produced only when the report
is shown (:meth:`CheckRow.message_in`). The offline verification page gets the same
templates when it is built (:mod:`cfl.web.page`), so a phone shows the same sentences.

Two kinds of codes:

* a row's **own** code (``signature_valid``, ``trust_list_expired`` …): its sentence is a
  template with named ``{placeholders}`` (``{name!r}`` quotes the value as Python's
  ``repr`` does). Some codes have more than one wording, each a named **form** (the usual
  one is ``""``): ``declaration_valid`` without a start reads ``until``; the page uses the
  form ``page`` (:data:`PAGE_FORM`) where its situation differs (its lists were checked
  when it was built and it stores nothing).
* a code that comes from an **error** (``exc.code`` of a :class:`~cfl.errors.CflError`:
  ``too_large``, ``duplicate_key``, ``bad_claim`` …): the row's sentence is a **frame** of
  the row site (``the claim is not well-formed: {detail}``) around the error's own text;
  the registry says in each language what the problem is (``{problem}``), which the
  Chinese frames name, since an error's own text is English.

A code may be both (``schema_invalid`` is the schema row's own code and an error code of a
trust list); its entry then has sentences and a problem.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cfl.errors import CflError
from cfl.report.model import CheckRow, Status, error_text
from cfl.timeutil import format_time

#: The languages every sentence is written in: English (what reports print) and Chinese.
LANGUAGES = ("en", "zh")
#: The form of a sentence only the offline verification page uses (its lists were checked when
#: it was built, it stores nothing, and without WebCrypto it can only say the claim decodes).
PAGE_FORM = "page"
#: A template field: ``{name}`` or ``{name!r}`` (nothing else: the page renders them too).
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)(!r)?\}")

Templates = Mapping[str, str]  # language -> template


class UnknownReasonError(LookupError):
    """A row was built with a code (or form, or frame) the registry does not hold: a
    programming error, caught by the tests (never a user's input)."""


@dataclass(frozen=True)
class Age:
    """How long before ``now`` (or after) ``then`` is, in the largest whole unit: ``3 days``
    in English, ``3天`` in Chinese (:data:`AGE_UNITS`, :data:`AGE_WORDS`)."""

    then: dt.datetime
    now: dt.datetime

    @property
    def seconds(self) -> int:
        return abs(int((self.now - self.then).total_seconds()))


@dataclass(frozen=True)
class Terms:
    """Words of the registry's vocabulary (:data:`TERMS`, e.g. the roles ``certifier`` and
    ``manufacturer``), rendered in the row's language and joined with "and"."""

    names: tuple[str, ...]


#: What a row's argument may be: text and numbers are shown as they are (in every language),
#: a time as RFC 3339 UTC, an :class:`Age` and :class:`Terms` in the row's language.
ArgValue = str | int | dt.datetime | Age | Terms

#: Units of an :class:`Age`, largest first (the smallest is used below every other).
AGE_UNITS: tuple[tuple[str, int], ...] = (
    ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
#: An age's words per language and unit: (one, more), ``{n}`` the count.
AGE_WORDS: Mapping[str, Mapping[str, tuple[str, str]]] = MappingProxyType({
    "en": MappingProxyType({"day": ("{n} day", "{n} days"), "hour": ("{n} hour", "{n} hours"),
                            "minute": ("{n} minute", "{n} minutes"),
                            "second": ("{n} second", "{n} seconds")}),
    "zh": MappingProxyType({"day": ("{n}天", "{n}天"), "hour": ("{n}小时", "{n}小时"),
                            "minute": ("{n}分钟", "{n}分钟"), "second": ("{n}秒", "{n}秒")}),
})
#: The vocabulary :class:`Terms` draws on, per language, and how a list of terms is joined.
TERMS: Mapping[str, Templates] = MappingProxyType({
    "certifier": MappingProxyType({"en": "certifier", "zh": "认证机构"}),
    "manufacturer": MappingProxyType({"en": "manufacturer", "zh": "制造商"}),
})
TERM_JOINERS: Templates = MappingProxyType({"en": " and ", "zh": "和"})


@dataclass(frozen=True)
class Reason:
    """One reason code: where it appears (``checks``), its ``status``, and its text.

    ``sentences`` maps a form (``""`` the usual one) to its template per language; it is
    empty for a code that only ever comes from an error. ``problem`` (per language) says
    what is wrong when the code comes from an error, for the frames of :data:`FRAMES`.
    ``page_only``: only the offline verification page produces it (no Python row site).
    ``form_statuses``: the forms whose status is not ``status`` (``resolver_unknown`` is
    INDETERMINATE in its ``unnamed`` form: the trust list names no resolver to compare with).
    """

    code: str
    checks: tuple[str, ...]
    status: Status
    sentences: Mapping[str, Templates] = field(default_factory=dict)
    problem: Templates | None = None
    page_only: bool = False
    form_statuses: Mapping[str, Status] = field(default_factory=dict)

    def status_for(self, form: str = "") -> Status:
        """The status of a row with this code in sentence form ``form``."""
        return self.form_statuses.get(form, self.status)

    @property
    def from_error(self) -> bool:
        """Whether rows may carry this code from an error (framed, :data:`FRAMES`)."""
        return self.problem is not None

    def template(self, language: str = "en", form: str = "") -> str:
        """The sentence template of ``form`` in ``language``."""
        try:
            return self.sentences[form][language]
        except KeyError:
            raise UnknownReasonError(f"reason {self.code!r} has no form {form!r} in "
                                     f"{language!r}") from None


@dataclass(frozen=True)
class Frame:
    """How a row site words an error it reports: ``{detail}`` is the error's own text, and
    ``{problem}`` (Chinese only: English reports stay as they always read) the registry's
    description of the error's code."""

    name: str
    checks: tuple[str, ...]
    templates: Templates


def _t(en: str, zh: str) -> Templates:
    return MappingProxyType({"en": en, "zh": zh})


_REASONS: dict[str, Reason] = {}


def _own(code: str, check: str | tuple[str, ...], status: Status, en: str, zh: str, *,
         forms: Mapping[str, tuple[str, str]] | None = None, problem: tuple[str, str] | None = None,
         page_only: bool = False, form_statuses: Mapping[str, Status] | None = None) -> None:
    sentences = {"": _t(en, zh)}
    sentences.update({name: _t(*texts) for name, texts in (forms or {}).items()})
    checks = (check,) if isinstance(check, str) else check
    _REASONS[code] = Reason(code, checks, status, MappingProxyType(sentences),
                            None if problem is None else _t(*problem), page_only,
                            MappingProxyType(dict(form_statuses or {})))


def _error(code: str, checks: tuple[str, ...], en: str, zh: str,
           status: Status = Status.FAILED) -> None:
    _REASONS[code] = Reason(code, checks, status, MappingProxyType({}), _t(en, zh))


_P, _F, _I, _N = Status.PASSED, Status.FAILED, Status.INDETERMINATE, Status.NOT_CHECKED

# ----------------------------------------------------------------------- frames (error rows)

FRAMES: Mapping[str, Frame] = MappingProxyType({frame.name: frame for frame in (
    Frame("trust-list", ("trust-list-signature",), _t(
        "the trust list is malformed: {detail}",
        "信任列表格式有误（{problem}）：{detail}")),
    Frame("revocation-list", ("revocation-list",), _t(
        "the revocation list is not acceptable: {detail}",
        "撤销列表不可接受（{problem}）：{detail}")),
    Frame("status-list", ("revocation-list",), _t(
        "the status list is not acceptable: {detail}",
        "状态列表不可接受（{problem}）：{detail}")),
    Frame("bundle", ("input",), _t(
        "the bundle is not well-formed: {detail}",
        "签名包格式有误（{problem}）：{detail}")),
    Frame("embedded-bundle", ("label-bundle",), _t(
        "the embedded bundle is not well-formed: {detail}",
        "标签内嵌的签名包格式有误（{problem}）：{detail}")),
    Frame("claim", ("claim",), _t(
        "the claim is not well-formed: {detail}",
        "标签声明格式有误（{problem}）：{detail}")),
    Frame("qr-claim", ("claim",), _t(
        "the QR code's claim is not well-formed: {detail}",
        "二维码中的标签声明格式有误（{problem}）：{detail}")),
    Frame("plain", ("input", "label", "label-bundle", "claim", "signature"), _t(
        "{detail}",
        "{problem}：{detail}")),
)})

# ----------------------------------------------------------------------- trust list (cfl.trust)

_own("trust_list_missing", "trust-list-signature", _I,
     "no trust list was given and none is stored for this anchor; signers cannot be checked",
     "未提供信任列表，信任存储中也没有此信任锚的信任列表；无法核验签发机构")
_own("trust_list_signature", "trust-list-signature", _F,
     "the trust list's signature by the anchor is not valid: {detail}",
     "信任锚对信任列表的签名无效：{detail}",
     forms={"unsigned": ("the trust list is not signed by the pinned anchor {anchor}",
                         "信任列表未经预置的信任锚 {anchor} 签名")})
_own("trust_list_signed", "trust-list-signature", _P,
     "the trust list of {operator} (version {version}) is signed by the pinned anchor {anchor}",
     "{operator}的信任列表（第 {version} 版）已由预置的信任锚 {anchor} 签名",
     forms={PAGE_FORM: ("the trust list of {operator} (version {version}) is signed by the pinned "
                     "anchor {anchor} (checked when this page was built, {built})",
                     "{operator}的信任列表（第 {version} 版）已由预置的信任锚 {anchor} 签名"
                     "（生成本页面时已核验，{built}）")})
_own("trust_list_expired", "trust-list-validity", _F,
     "the trust list expired {expires} ({age} ago); get a current one",
     "信任列表已于 {expires} 过期（{age}前）；请获取最新的信任列表",
     forms={PAGE_FORM: ("the trust list expired {expires} ({age} ago); get a current page",
                     "信任列表已于 {expires} 过期（{age}前）；请获取最新的验证页面")})
_own("trust_list_not_yet_valid", "trust-list-validity", _F,
     "the trust list is issued {issued}, after the verification time {at}",
     "信任列表的签发时间 {issued} 晚于验证时间 {at}")
_own("trust_list_fresh", "trust-list-validity", _P,
     "the trust list was issued {issued} ({age} old) and expires {expires}",
     "信任列表签发于 {issued}（距今{age}），有效期至 {expires}")
_own("trust_list_first_seen", "trust-list-rollback", _P,
     "no earlier trust list from this anchor is stored; version {version} is the first seen",
     "信任存储中没有此信任锚更早的信任列表；第 {version} 版是首次见到的版本",
     forms={PAGE_FORM: ("this page keeps no earlier trust list; version {version} is the one "
                     "embedded",
                     "本页面不保存更早的信任列表；内嵌的是第 {version} 版")})
_own("trust_list_rollback", "trust-list-rollback", _F,
     "the trust list is version {version}, older than version {stored_version} already "
     "accepted (rollback refused)",
     "信任列表为第 {version} 版，早于已接受的第 {stored_version} 版（拒绝版本回退）")
_own("trust_list_version_conflict", "trust-list-rollback", _F,
     "the trust list is version {version} but differs from the stored list with the same "
     "version",
     "信任列表为第 {version} 版，但与信任存储中同一版本的列表内容不同")
_own("trust_list_not_rolled_back", "trust-list-rollback", _P,
     "version {version} is not older than the stored version {stored_version}",
     "第 {version} 版不早于信任存储中的第 {stored_version} 版")
_own("trust_store_corrupt", "trust-list-rollback", _F,
     "the stored trust list for this anchor cannot be read ({detail}); remove it from the "
     "trust store and verify again",
     "无法读取信任存储中此信任锚的信任列表（{detail}）；请将其从信任存储中删除后重新验证")
_own("revocation_list_version_conflict", "revocation-list", _F,
     "two different revocation lists of certifier {issuer} carry version {version}",
     "认证机构 {issuer} 有两份内容不同的撤销列表，版本号均为 {version}")
_own("status_list_version_conflict", "revocation-list", _F,
     "two different status lists of certifier {issuer} carry version {version}",
     "认证机构 {issuer} 有两份内容不同的状态列表，版本号均为 {version}")

# ----------------------------------------------------------------------- signers

_own("trust_list_unavailable", "signer-trusted", _I,
     "no trust list was accepted, so the signer cannot be checked",
     "没有可接受的信任列表，无法核验签发机构")
_own("kid_mismatch", "signature", _F,
     "the signature names {signer}'s key {kid} but was made with another listed key",
     "签名声称使用{signer}的密钥 {kid}，实际却由信任列表中的另一把密钥签署",
     forms={"unlisted": ("the signature names key {kid} but was made with another listed key",
                         "签名声称使用密钥 {kid}，实际却由信任列表中的另一把密钥签署")})
_own("signer_untrusted", "signer-trusted", _F,
     "the signing key {kid} is not in the trust list of {operator}",
     "签名密钥 {kid} 不在{operator}的信任列表中")
_own("alg_key_mismatch", "signature", _F,
     "the signature says {alg} but {signer}'s key is an {key_alg} key",
     "签名声明的算法为 {alg}，但{signer}的密钥是 {key_alg} 密钥")
_own("signature_invalid", "signature", _F,
     "the signature does not verify",
     "签名验证未通过")
_own("signature_valid", "signature", _P,
     "the signature verifies with the key of {signer} ({kid})",
     "签名经{signer}的密钥（{kid}）验证有效")
_own("signer_wrong_role", "signer-trusted", _F,
     "{signer} ({accreditation}) is listed in the trust list of {operator} as {roles} only, so "
     "its signature cannot count as a {role}'s",
     "{signer}（{accreditation}）在{operator}的信任列表中仅登记为{roles}，其签名不能算作{role}的签名")
_own("signer_trusted", "signer-trusted", _P,
     "{signer} ({accreditation}) is an active {role} entry of the trust list of {operator}",
     "{signer}（{accreditation}）是{operator}信任列表中有效的{role}条目")
_own("signer_suspended", "signer-trusted", _F,
     "{signer} ({accreditation}) is suspended in the trust list",
     "{signer}（{accreditation}）在信任列表中已被暂停")
_own("signer_withdrawn", "signer-trusted", _F,
     "{signer} ({accreditation}) is withdrawn in the trust list",
     "{signer}（{accreditation}）在信任列表中已被撤销资格")
_own("signed_in_future", "signer-valid-at-signing", _F,
     "the signing time {when} is after the verification time {at}",
     "签名时间 {when} 晚于验证时间 {at}")
_WINDOW_ZH = "签发机构的资质有效期（{valid_from} 至 {valid_until}）"
for _suffix, _check, _en_when, _zh_when in (
        ("_at_signing", "signer-valid-at-signing", "the signing time {when}", "签名时间 {when} "),
        ("", "signer-valid-at-time", "the verification time {when}", "验证时间 {when} ")):
    _own(f"signer_not_yet_valid{_suffix}", _check, _F,
         _en_when + " is before the signer's validity ({valid_from} to {valid_until})",
         _zh_when + "早于" + _WINDOW_ZH)
    _own(f"signer_expired{_suffix}", _check, _F,
         _en_when + " is after the signer's validity ({valid_from} to {valid_until})",
         _zh_when + "晚于" + _WINDOW_ZH)
    _own(f"signer_valid{_suffix}", _check, _P,
         _en_when + " is within the signer's validity ({valid_from} to {valid_until})",
         _zh_when + "在" + _WINDOW_ZH + "内")
_own("scope_unknown", "signer-scope", _I,
     "the declaration names no product category, so the signer's scope cannot be checked",
     "声明未写明产品类别，无法核验签发机构的认可范围",
     forms={"rule_set": ("the declaration names no rule set, but the signer's scope is "
                         "restricted to rule sets",
                         "声明未写明规则集，而签发机构的认可范围限定于特定规则集")})
_own("scope_category", "signer-scope", _F,
     "{signer} is not accredited for {category!r} (scope: {scope})",
     "{signer}未获得产品类别“{category}”的认可（认可范围：{scope}）")
_own("scope_rule_set", "signer-scope", _F,
     "{signer} is not accredited for rule set {rule_set!r} (rule sets: {rule_sets})",
     "{signer}未获得规则集“{rule_set}”的认可（认可的规则集：{rule_sets}）")
_own("scope_covered", "signer-scope", _P,
     "{signer}'s accreditation covers {category}",
     "{signer}的认可范围涵盖产品类别 {category}",
     forms={"rule_set": ("{signer}'s accreditation covers {category} under {rule_set}",
                         "{signer}的认可范围涵盖规则集 {rule_set} 下的产品类别 {category}")})
_own("revocation_unavailable", "revocation", _I,
     "no revocation list from this certifier was given or is stored, so revocation cannot be "
     "checked",
     "未提供也未存储该认证机构的撤销列表，无法核查撤销状态",
     forms={PAGE_FORM: ("no revocation list from this certifier was embedded in this page, so "
                     "revocation cannot be checked",
                     "本页面未内嵌该认证机构的撤销列表，无法核查撤销状态")})
_own("revoked", "revocation", _F,
     "declaration {declaration} was revoked {revoked_at}: {reason} (revocation list version "
     "{version}, issued {issued}, {age} old)",
     "声明 {declaration} 已于 {revoked_at} 被撤销，原因：{reason}（撤销列表第 {version} 版，"
     "签发于 {issued}，距今{age}）",
     forms={"status_list": ("the declaration with status index {index} is revoked (status list "
                            "version {version}, issued {issued}, {age} old)",
                            "状态索引为 {index} 的声明已被撤销（状态列表第 {version} 版，"
                            "签发于 {issued}，距今{age}）")})
_own("status_list_unavailable", "revocation", _I,
     "no status list from this certifier was given or is stored, so revocation of the "
     "declaration with status index {index} cannot be checked",
     "未提供也未存储该认证机构的状态列表，无法核查状态索引为 {index} 的声明的撤销状态",
     forms={PAGE_FORM: ("no status list from this certifier was embedded in this page, so "
                     "revocation cannot be checked",
                     "本页面未内嵌该认证机构的状态列表，无法核查撤销状态")})
_own("status_index_out_of_range", "revocation", _F,
     "status index {index} is outside the certifier's status list (version {version}, indexes "
     "0 to {last}): no declaration this certifier signed has it",
     "状态索引 {index} 超出认证机构状态列表的范围（第 {version} 版，索引 0 至 {last}）："
     "该认证机构签发的声明中没有此索引")
_own("revocation_stale", "revocation", _I,
     "the revocation list (version {version}, issued {issued}, {age} old) was due to be "
     "replaced by {due}: a later version may revoke declaration {declaration}; get the "
     "certifier's current list",
     "撤销列表（第 {version} 版，签发于 {issued}，距今{age}）应在 {due} 前更新："
     "更新的版本可能已撤销声明 {declaration}，请获取认证机构的现行撤销列表",
     forms={"age": ("the revocation list (version {version}, issued {issued}, {age} old) "
                    "names no next update and is older than the maximum age (current until "
                    "{due}): a later version may revoke declaration {declaration}; get the "
                    "certifier's current list",
                    "撤销列表（第 {version} 版，签发于 {issued}，距今{age}）未注明下次更新时间，"
                    "且已超过最长有效期（至 {due}）：更新的版本可能已撤销声明 {declaration}，"
                    "请获取认证机构的现行撤销列表"),
            "max_age": ("the revocation list (version {version}, issued {issued}, {age} old) "
                        "is older than the {max_age} the trust list allows for this "
                        "certifier's lists (current until {due}): a later version may revoke "
                        "declaration {declaration}; get the certifier's current list",
                        "撤销列表（第 {version} 版，签发于 {issued}，距今{age}）已超过信任列表"
                        "为该认证机构规定的最长有效期 {max_age}（至 {due}）：更新的版本可能已"
                        "撤销声明 {declaration}，请获取认证机构的现行撤销列表"),
            "status_list": ("the status list (version {version}, issued {issued}, {age} old) "
                            "was due to be replaced by {due}: a later version may revoke the "
                            "declaration with status index {index}; get the certifier's "
                            "current list",
                            "状态列表（第 {version} 版，签发于 {issued}，距今{age}）应在 {due} "
                            "前更新：更新的版本可能已撤销状态索引为 {index} 的声明，"
                            "请获取认证机构的现行状态列表")})
_own("not_revoked", "revocation", _P,
     "declaration {declaration} is not revoked (revocation list version {version}, issued "
     "{issued}, {age} old)",
     "声明 {declaration} 未被撤销（撤销列表第 {version} 版，签发于 {issued}，距今{age}）",
     forms={"status_list": ("the declaration with status index {index} is not revoked (status "
                            "list version {version}, issued {issued}, {age} old)",
                            "状态索引为 {index} 的声明未被撤销（状态列表第 {version} 版，"
                            "签发于 {issued}，距今{age}）")})

# ----------------------------------------------------------------------- bundle and declaration

_own("well_formed", "input", _P,
     "the bundle is well-formed JSON with {signatures} signature(s)",
     "签名包是格式正确的 JSON，含 {signatures} 个签名")
_own("unsigned_declaration", "input", _F,
     "is a declaration that has not been signed, not a signed bundle; it must be signed first: "
     "`cfl sign FILE --key CERTIFIER_KEY --role certifier -o bundle.json` makes the signed "
     "bundle to verify",
     "是一份尚未签名的声明，而不是签名包；须先签名："
     "`cfl sign FILE --key CERTIFIER_KEY --role certifier -o bundle.json` 可生成待验证的签名包")
_own("schema_valid", "schema", _P,
     "the declaration matches the PACT v3 and cfl extension schemas",
     "声明符合 PACT v3 及 cfl 扩展的数据模式")
_own("schema_invalid", ("schema", "trust-list-signature", "revocation-list"), _F,
     "the declaration does not match its schema ({count} problem(s)); first: {first_path}: "
     "{first_message} [{first_code}]",
     "声明不符合其数据模式（{count} 处问题）；第一处：{first_path}：{first_message} [{first_code}]",
     problem=("the content does not match its schema", "内容不符合数据模式"))
_own("semantic_skipped", "semantic", _I,
     "cross-field checks are not meaningful on a schema-invalid declaration",
     "声明不符合数据模式，字段间一致性检查没有意义")
_own("semantic_valid", "semantic", _P,
     "the declaration passes the cross-field checks (totals, stages, validity window)",
     "声明通过字段间一致性检查（合计值、生命周期阶段、有效期）")
_own("semantic_invalid", "semantic", _F,
     "the declaration fails {count} cross-field check(s); first: {first_path}: "
     "{first_message} [{first_code}]",
     "声明未通过 {count} 项字段间一致性检查；第一项：{first_path}：{first_message} [{first_code}]")
_own("cosigner_not_checked", "signature", _N,
     "the manufacturer key {kid} is not in the trust list; its co-signature is not checked "
     "(policy: ignore unlisted co-signers) and counts for nothing",
     "制造商密钥 {kid} 不在信任列表中；按验证策略（忽略未登记的联署方）不核验其联署签名，"
     "该签名不计入结论")
_own("signer_unknown", "signature", _I,
     "the manufacturer key {kid} is not in the trust list, so its co-signature cannot be "
     "checked; the scheme operator lists it with role manufacturer, or the verifier chooses "
     "to ignore unlisted co-signers",
     "制造商密钥 {kid} 不在信任列表中，无法核验其联署签名；可由标签计划运营方以制造商角色将其"
     "列入信任列表，或由验证方选择忽略未登记的联署方")
_own("bad_role", "signature", _F,
     "the signature's role {role!r} is not certifier or manufacturer",
     "签名的角色“{role}”既不是认证机构也不是制造商")
_own("no_certifier_signature", "certifier-signature", _F,
     "the bundle has no certifier signature",
     "签名包中没有认证机构的签名")
_own("certified", "certifier-signature", _P,
     "at least one certifier signature passed every check",
     "至少有一个认证机构的签名通过了全部检查")
_own("validity_unknown", "validity", _I,
     "the declaration's validity period cannot be determined",
     "无法确定声明的有效期")
_own("declaration_not_yet_valid", "validity", _F,
     "the declaration is valid from {start}, after {at}",
     "声明自 {start} 起生效，晚于 {at}")
_own("declaration_expired", "validity", _F,
     "the declaration's validity ended {end}",
     "声明的有效期已于 {end} 结束")
_own("declaration_valid", "validity", _P,
     "the declaration is valid from {start} until {end}",
     "声明有效期为 {start} 至 {end}",
     forms={"until": ("the declaration is valid until {end}", "声明有效期至 {end}")})

# ----------------------------------------------------------------------- claim and label

_own("claim_well_formed", "claim", _P,
     "the claim is a well-formed COSE_Sign1 ({alg}, {size} bytes) for declaration "
     "{declaration}",
     "标签声明是格式正确的 COSE_Sign1（{alg}，{size} 字节），对应声明 {declaration}",
     forms={PAGE_FORM: ("the claim is well-formed", "标签声明格式正确")})
_own("claim_digest_mismatch", "claim-binding", _F,
     "the claim's SHA-256 does not match the bundle's declaration: the claim belongs to "
     "another declaration, or the bundle was altered",
     "标签声明中的 SHA-256 摘要与签名包中的声明不符：该标签声明属于另一份声明，或签名包已被改动")
_own("claim_bound", "claim-binding", _P,
     "the claim's SHA-256 matches the bundle's declaration",
     "标签声明中的 SHA-256 摘要与签名包中的声明相符")
_own("claim_disagrees", "claim-agreement", _F,
     "the claim and the declaration differ in {fields}",
     "标签声明与声明内容不一致，不同之处：{fields}",
     forms={"incomparable": ("the bundle's declaration cannot be compared: {detail}",
                             "无法比对签名包中的声明：{detail}")})
_own("claim_agrees", "claim-agreement", _P,
     "the claim agrees with the declaration (id, product, value, unit, boundary, rule set, "
     "grade, validity start and end)",
     "标签声明与声明内容一致（编号、产品、数值、单位、系统边界、规则集、等级、有效期起止）")
_own("resolver_named", "resolver", _P,
     "the QR code leads to {url}, a resolver the trust list of {operator} names for its "
     "scheme",
     "二维码指向 {url}，是{operator}的信任列表为本标签计划列明的解析地址")
_own("resolver_unknown", "resolver", _F,
     "the QR code leads to {url}, which the trust list of {operator} does not name as a "
     "resolver of its scheme (it names {named}): a phone that scans it opens a site the scheme "
     "does not vouch for",
     "二维码指向 {url}，{operator}的信任列表并未将其列为本标签计划的解析地址（列明的为 "
     "{named}）：手机扫码后打开的网站不受标签计划担保",
     forms={"unnamed": ("the QR code leads to {url}; the trust list of {operator} names no "
                        "resolver for its scheme, so whether this is the scheme's address "
                        "cannot be checked",
                        "二维码指向 {url}；{operator}的信任列表未列明本标签计划的解析地址，"
                        "无法核实该地址是否属于标签计划"),
            "no_trust_list": ("the QR code leads to {url}; without an accepted trust list "
                              "whether this is the scheme's address cannot be checked",
                              "二维码指向 {url}；没有可接受的信任列表，无法核实该地址是否"
                              "属于标签计划"),
            "insecure": ("the QR code leads to {url}, not an https address: anyone on the "
                         "way can answer in the resolver's place",
                         "二维码指向 {url}，不是 https 地址：传输途中的任何人都可以冒充"
                         "解析网站作答")},
     form_statuses={"unnamed": _I, "no_trust_list": _I})
_own("label_plain", "label", _P,
     "the PDF holds {pages} page(s), no attachment other than their bundles and no active "
     "content",
     "该 PDF 共 {pages} 页，除各页的签名包外没有其他附件，也没有活动内容")
_own("bundle_embedded", "label-bundle", _P,
     "the label carries a well-formed signed bundle ({signatures} signature(s))",
     "标签内嵌格式正确的签名包（含 {signatures} 个签名）")
_own("label_active_content", "label", _F,
     "page {page} holds annotations (links, comments, form fields …); a cfl label has none",
     "第 {page} 页含有注释（链接、批注、表单域等）；cfl 标签不应含有任何注释",
     problem=("active content", "含有活动内容（脚本、动作或表单）"))
_own("label_incremental_update", "label", _F,
     "the PDF was changed after it was produced ({revisions} revisions: an incremental "
     "update can paint over the printed figures); ask for the original label",
     "该 PDF 生成后被修改过（共 {revisions} 个修订版本：增量更新可以覆盖印刷的数字）；"
     "请索取原始标签")
_own("label_drawing_agrees", "label-drawing", _P,
     "page {page} draws exactly what template {template!r} draws from the signed bundle",
     "第 {page} 页的图形与模板 {template!r} 根据签名包重新绘制的结果完全一致")
_own("label_drawing_differs", "label-drawing", _F,
     "page {page} differs from the label drawn again from the signed bundle between "
     "{left} and {right} mm from the left and {top} and {bottom} mm from the top: something "
     "was painted over or instead of what was signed",
     "第 {page} 页与根据签名包重新绘制的标签不同（距左 {left}–{right} 毫米、距上 {top}–{bottom} "
     "毫米处）：签名内容被覆盖或替换",
     forms={"size": ("page {page} is not the size of template {template!r}, which drew it",
                     "第 {page} 页的尺寸与绘制它的模板 {template!r} 不符")})
_own("label_drawing_not_checked", "label-drawing", _N,
     "page {page}'s drawing was not compared with a fresh one: the PDF records no render "
     "parameters (another program made it, or its record was removed)",
     "第 {page} 页的图形未与重新绘制的结果比对：该 PDF 未记录绘制参数"
     "（由其他程序生成，或其记录已被删除）",
     forms={
         "version": ("page {page}'s drawing was not compared with a fresh one: cfl "
                     "{version} drew it, this is cfl {current}",
                     "第 {page} 页的图形未与重新绘制的结果比对：它由 cfl {version} 绘制，"
                     "当前为 cfl {current}"),
         "template": ("page {page}'s drawing was not compared with a fresh one: its template "
                      "({template!r}) is not one this verifier ships",
                      "第 {page} 页的图形未与重新绘制的结果比对：其模板（{template!r}）"
                      "不是本验证程序自带的模板"),
         "font": ("page {page}'s drawing was not compared with a fresh one: it was drawn "
                  "with another font than template {template!r}'s",
                  "第 {page} 页的图形未与重新绘制的结果比对：其字体不是模板 {template!r} 的字体"),
     })
_own("label_drawing_impossible", "label-drawing", _F,
     "page {page} cannot be drawn again from its signed bundle and QR code ({detail}): cfl "
     "did not draw it from them",
     "第 {page} 页无法根据其签名包和二维码重新绘制（{detail}）：它不是 cfl 根据这些内容绘制的")
_own("label_drawing_required", "label-drawing", _I,
     "page {page}'s drawing could not be compared with a fresh one, and this verification "
     "requires it (--require-drawing): what the page shows beyond its printed text is not "
     "confirmed",
     "第 {page} 页的图形无法与重新绘制的结果比对，而本次验证要求比对（--require-drawing）："
     "除印刷文字外，页面所显示的内容未经确认")
_own("label_printed_agrees", "label-printed", _P,
     "page {page} prints the signed value and unit, and the grade and product where it "
     "shows them",
     "第 {page} 页印刷的数值和单位（以及所示的等级和产品）与签名内容一致")
_own("label_printed_mismatch", "label-printed", _F,
     "page {page} does not print the signed value ({signed!r}); what is printed is not what "
     "was signed",
     "第 {page} 页没有印刷已签名的数值（{signed!r}）；印刷内容与签名内容不符",
     forms={
         "unit": ("page {page} does not print the signed unit ({signed!r}) after the value; "
                  "what is printed is not what was signed",
                  "第 {page} 页数值后没有印刷已签名的单位（{signed!r}）；印刷内容与签名内容不符"),
         "grade": ("page {page} does not print the signed grade ({signed!r}) everywhere it "
                   "shows a grade; what is printed is not what was signed",
                   "第 {page} 页所示等级不是已签名的等级（{signed!r}）；印刷内容与签名内容不符"),
         "product": ("page {page} prints a product identifier that was not signed (signed: "
                     "{signed!r}); what is printed is not what was signed",
                     "第 {page} 页印刷的产品标识未经签名（已签名：{signed!r}）；"
                     "印刷内容与签名内容不符"),
     })
_own("no_such_page", ("label", "claim"), _F,
     "has no page",
     "没有任何页面",
     problem=("no such page", "页面不存在"))

# ----------------------------------------------------------------------- disclosure (cfl.log)
# cfl.verification.disclosure_check: a proof of disclosure against the trust list's logs

_own("disclosed", "disclosure", _P,
     "disclosed in {log} as entry {index} (checkpoint size {size}, time {time})",
     "已在透明日志 {log} 中披露，条目 {index}（检查点大小 {size}，时间 {time}）")
_own("disclosure_missing", "disclosure", _N,
     "no proof of disclosure in {log} was given; whether it was disclosed is not checked",
     "未提供在 {log} 中的披露证明；未检查其是否已披露")
_own("disclosure_required", "disclosure", _F,
     "a proof of disclosure in {log} is required, and none was given",
     "要求提供在 {log} 中的披露证明，但未提供")
_own("disclosure_log_unknown", "disclosure", _N,
     "the proof of disclosure is from the log {log}, which the trust list does not name; "
     "not checked",
     "披露证明来自信任列表未列出的日志 {log}；未检查")
_own("disclosure_proof_malformed", "disclosure", _F,
     "the proof of disclosure is not a well-formed tlog-proof of a cfl log entry",
     "披露证明不是格式正确的、关于 cfl 日志条目的 tlog-proof")
_own("disclosure_signature_invalid", "disclosure", _F,
     "the checkpoint of the proof of disclosure is not signed by the key of {log}",
     "披露证明的检查点未由 {log} 的密钥签名")
_own("disclosure_inclusion_invalid", "disclosure", _F,
     "the proof of disclosure does not show its entry in the tree of {log}",
     "披露证明未能证明其条目在 {log} 的树中")
_own("disclosure_quorum", "disclosure", _F,
     "the checkpoint of the proof of disclosure lacks the {quorum} witness cosignature(s) "
     "{log} requires",
     "披露证明的检查点缺少 {log} 所要求的 {quorum} 个见证人联署")
_own("disclosure_log_not_valid", "disclosure", _F,
     "{log} was not trusted at {time} (the trust list trusts it {window})",
     "{log} 在 {time} 不受信任（信任列表信任期间为 {window}）")
_own("disclosure_entry_mismatch", "disclosure", _F,
     "entry {index} of {log} is about another declaration than this one",
     "{log} 的条目 {index} 关于另一份声明，而非本声明")

# ----------------------------------------------------------------------- the page only

_own("crypto_unavailable", "signature", _I,
     "this browser offers no WebCrypto here (open the page over HTTPS or from a saved file)",
     "此浏览器在当前环境下不提供 WebCrypto（请通过 HTTPS 或从已保存的文件打开本页面）",
     page_only=True)
_own("status_list_unsupported", "revocation", _I,
     "this browser cannot read the embedded status list (it has no DecompressionStream); open "
     "the page in a current browser",
     "此浏览器无法读取内嵌的状态列表（不支持 DecompressionStream）；请用较新的浏览器打开本页面",
     page_only=True)
_own("bad_time", "input", _F,
     "#at= must be an RFC 3339 time with offset, e.g. 2026-04-10T00:00:00Z",
     "#at= 必须是带时区偏移的 RFC 3339 时间，例如 2026-04-10T00:00:00Z",
     page_only=True)

# ----------------------------------------------------------------------- codes from errors

#: Where an error from reading a JSON document can end up: a trust list, a revocation list,
#: a bundle given to verify, a bundle embedded in a label.
_JSON_CHECKS = ("trust-list-signature", "revocation-list", "input", "label-bundle")
_TRUST_CHECKS = ("trust-list-signature", "revocation-list")
_LABEL_CHECKS = ("label", "label-bundle", "claim")
_CLAIM_CHECKS = ("claim",)
_SIGNATURE_CHECKS = ("signature",)

for _code, _checks, _en, _zh in (
    # reading JSON (cfl.io.jsonio) and the signed envelope (cfl.signing)
    ("too_large", _JSON_CHECKS + ("label", "claim"), "too large", "数据过大"),
    ("empty", _JSON_CHECKS, "empty", "内容为空"),
    ("wrong_file_type", _JSON_CHECKS, "the wrong kind of file", "文件类型错误"),
    ("bom", _JSON_CHECKS, "a byte order mark", "含有字节顺序标记（BOM）"),
    ("not_utf8", _JSON_CHECKS, "not UTF-8", "不是 UTF-8 编码"),
    ("malformed_json", _JSON_CHECKS, "not valid JSON", "不是有效的 JSON"),
    ("duplicate_key", _JSON_CHECKS, "a duplicate key", "存在重复的键"),
    ("non_finite_number", _JSON_CHECKS, "a non-finite number", "含有非有限数值（NaN 或 Infinity）"),
    ("too_deep", _JSON_CHECKS, "nested too deeply", "嵌套层级过深"),
    ("lone_surrogate", _JSON_CHECKS, "a lone UTF-16 surrogate", "含有不成对的 UTF-16 代理项"),
    ("inexact_number", _JSON_CHECKS, "a number no double holds exactly",
     "含有无法用双精度浮点数精确表示的数值"),
    ("not_canonicalisable", _JSON_CHECKS, "not canonicalisable (RFC 8785)",
     "无法按 RFC 8785 规范化"),
    ("wrong_document", _JSON_CHECKS, "the wrong kind of document", "文件种类错误"),
    ("bad_bundle", _JSON_CHECKS, "a malformed signed document", "签名文件结构有误"),
    ("too_many_signatures", _JSON_CHECKS, "too many signatures", "签名数量过多"),
    ("duplicate_signature", _JSON_CHECKS, "a repeated signature", "同一密钥以同一角色重复签名"),
    ("attached_payload", _JSON_CHECKS, "an attached payload", "签名附带了载荷（应为分离式载荷）"),
    ("bad_base64url", _JSON_CHECKS, "invalid base64url", "base64url 编码无效"),
    ("bad_header", _JSON_CHECKS, "a malformed signature header", "签名头格式有误"),
    ("bad_kid", _JSON_CHECKS, "a key id that is not its key's thumbprint",
     "密钥标识不是该公钥的指纹"),
    # trust list and revocation list content (cfl.trust, cfl.signing.keys)
    ("bad_jwk", _TRUST_CHECKS, "an invalid public key", "公钥无效"),
    ("weak_key", _TRUST_CHECKS, "a weak key", "含有弱密钥"),
    ("duplicate_entry", _TRUST_CHECKS, "a repeated entry", "存在重复条目"),
    ("bad_window", _TRUST_CHECKS, "an empty validity window", "有效期区间无效"),
    ("trust_entry_without_roles", _TRUST_CHECKS, "an entry without roles", "条目未注明角色"),
    ("revocation_list_untrusted", _TRUST_CHECKS, "an issuer that is not a trusted certifier",
     "签发者不是受信任的认证机构"),
    ("revocation_list_signature", _TRUST_CHECKS, "no valid signature by its issuer",
     "没有签发者的有效签名"),
    ("bad_status_list", ("revocation-list",),
     "not a well-formed status list signed by a trusted certifier",
     "不是由受信任认证机构签名的格式正确的状态列表"),
    # a signature's form (cfl.signing.jws.form_problem)
    ("alg_none", _SIGNATURE_CHECKS, "an unsigned ('alg: none') signature", "未签名（alg: none）"),
    ("alg_hmac", _SIGNATURE_CHECKS, "an HMAC signature", "使用 HMAC 算法"),
    ("alg_unsupported", _SIGNATURE_CHECKS, "an unsupported algorithm", "签名算法不受支持"),
    ("key_in_header", _SIGNATURE_CHECKS, "a key inside the header", "签名头中携带密钥"),
    ("header_unsupported", _SIGNATURE_CHECKS, "an unsupported header member",
     "签名头含有不受支持的成员"),
    ("typ_mismatch", _SIGNATURE_CHECKS, "the wrong signature type", "签名类型（typ）不符"),
    ("signature_der", _SIGNATURE_CHECKS, "a DER-encoded ES256 signature", "ES256 签名为 DER 格式"),
    # the claim (cfl.claim)
    ("bad_claim_text", _CLAIM_CHECKS, "not a claim text", "不是有效的标签声明文本"),
    ("claim_too_large", _CLAIM_CHECKS, "too large", "标签声明过大"),
    ("bad_resolver", _CLAIM_CHECKS, "an invalid resolver URL", "解析网址无效"),
    ("bad_claim", _CLAIM_CHECKS, "malformed", "结构有误"),
    ("claim_not_deterministic", _CLAIM_CHECKS, "not in deterministic CBOR encoding",
     "不是确定性 CBOR 编码"),
    ("bad_claim_alg", _CLAIM_CHECKS, "an unsupported algorithm", "签名算法不受支持"),
    ("bad_claim_version", _CLAIM_CHECKS, "an unsupported format version", "格式版本不受支持"),
    # label PDFs and photos (cfl.label)
    ("not_pdf", ("label",), "not a PDF", "不是 PDF 文件"),
    ("pdf_unsupported", ("label",), "an unsupported PDF", "PDF 结构不受支持"),
    ("bad_pdf", _LABEL_CHECKS, "an unreadable PDF", "PDF 无法读取"),
    ("label_duplicate_attachment", ("label", "label-bundle"), "a repeated attachment",
     "附件重复"),
    ("label_unexpected_attachment", ("label",), "an unexpected attachment", "含有多余的附件"),
    ("no_embedded_bundle", ("label-bundle",), "no embedded bundle", "没有内嵌签名包"),
    ("bad_render_record", ("label",), "an unreadable render record", "绘制参数记录无法读取"),
    ("bad_dpi", _CLAIM_CHECKS, "an invalid resolution", "分辨率（dpi）无效"),
    ("bad_image", _CLAIM_CHECKS, "an unreadable image", "图像无法读取"),
    ("several_qr", _CLAIM_CHECKS, "several QR codes", "含有多个不同的二维码"),
):
    _error(_code, _checks, _en, _zh)

# Nothing could be read: not evidence of a forgery, so INDETERMINATE (retake the photo).
_error("no_qr", _CLAIM_CHECKS,
       "no readable QR code; retake the photo (sharp, well lit, the whole code in the frame)",
       "没有可识别的二维码；请重新拍照（清晰、光线充足、二维码完整入镜）", status=_I)

#: Every reason code a row can carry, by code.
REASONS: Mapping[str, Reason] = MappingProxyType(dict(sorted(_REASONS.items())))


# ----------------------------------------------------------------------- building rows


def reason(code: str) -> Reason:
    """The registry entry of ``code`` (:class:`UnknownReasonError` if there is none)."""
    try:
        return REASONS[code]
    except KeyError:
        raise UnknownReasonError(f"reason code {code!r} is not registered in "
                                 "cfl/report/reasons.py") from None


def row(code: str, *, subject: str | None = None, check: str | None = None, form: str = "",
        **args: ArgValue) -> CheckRow:
    """A row with its own code: check (the code's first, unless given) and status from the
    registry, the sentence of ``form`` rendered from ``args`` when it is shown.

    An unknown code, form or check raises :class:`UnknownReasonError` at once.
    """
    return row_with(code, args, subject=subject, check=check, form=form)


def row_with(code: str, args: Mapping[str, ArgValue], *, subject: str | None = None,
             check: str | None = None, form: str = "") -> CheckRow:
    """:func:`row` with the arguments as a mapping (for a helper that passes them on)."""
    entry = reason(code)
    if check is None:
        check = entry.checks[0]
    elif check not in entry.checks:
        raise UnknownReasonError(f"reason {code!r} is not registered for check {check!r}")
    made = CheckRow(check, entry.status_for(form), code, subject=subject, args=args, form=form,
                    wording=_sentence(code, form))
    _tell(made)
    return made


def problem_row(code: str, detail: str, *, check: str, frame: str = "plain",
                subject: str | None = None) -> CheckRow:
    """The row about a problem a lower layer reported as ``(code, detail)``, worded by
    ``frame`` (:data:`FRAMES`): FAILED, or the code's status (``no_qr``: INDETERMINATE).

    Never raises for the code: a code the registry does not hold still makes a row (a
    report must not break on it), worded by the frame with the bare code as the problem;
    the test suite fails on every such code it sees (tests/reason_audit.py).
    """
    entry = REASONS.get(code)
    status = entry.status if entry is not None else Status.FAILED
    made = CheckRow(check, status, code, subject=subject, args={"detail": detail}, form=frame,
                    wording=_framed(code, frame))
    _tell(made)
    return made


def error_row(error: CflError, *, check: str, frame: str, subject: str | None = None
              ) -> CheckRow:
    """The FAILED row for ``error`` about ``subject``: its code, and its text (the file
    named once, :func:`~cfl.report.model.error_text`) as the frame's ``{detail}``."""
    return problem_row(error.code, error_text(error, subject), check=check, frame=frame,
                       subject=subject)


# ----------------------------------------------------------------------- rendering


def render(made: CheckRow, language: str = "en") -> str:
    """The sentence of ``made`` in ``language`` (``en`` or ``zh``)."""
    return made.message_in(language)


@dataclass(frozen=True)
class _Sentence:
    """The wording of a row with its own code: one form's templates."""

    templates: Templates

    def render(self, args: Mapping[str, Any], language: str) -> str:
        return fill(self.templates[language], args, language)


@dataclass(frozen=True)
class _Framed:
    """The wording of a row about an error: the frame around the error's text, naming the
    problem (the registry's description of the code, or the bare code if it has none)."""

    frame: Frame
    problem: Templates

    def render(self, args: Mapping[str, Any], language: str) -> str:
        return fill(self.frame.templates[language], {**args, "problem": self.problem[language]},
                    language)


@functools.cache
def _sentence(code: str, form: str) -> _Sentence:
    entry = reason(code)
    if form not in entry.sentences:
        raise UnknownReasonError(f"reason {code!r} has no sentence form {form!r}")
    return _Sentence(entry.sentences[form])


@functools.cache
def _framed(code: str, frame: str) -> _Framed:
    if frame not in FRAMES:
        raise UnknownReasonError(f"no frame {frame!r} in cfl/report/reasons.py")
    entry = REASONS.get(code)
    problem = entry.problem if entry is not None and entry.problem is not None else None
    return _Framed(FRAMES[frame], problem or _t(code, code))


def fill(template: str, args: Mapping[str, Any], language: str = "en") -> str:
    """``template`` with every ``{name}`` replaced by ``args[name]`` shown in ``language``
    (``{name!r}``: quoted as by ``repr``)."""
    def value(match: re.Match[str]) -> str:
        raw = args[match.group(1)]
        text = show(raw, language)
        return repr(raw if isinstance(raw, str | int) else text) if match.group(2) else text

    return PLACEHOLDER.sub(value, template)


def show(value: Any, language: str = "en") -> str:
    """One argument as text in ``language``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, Age):
        return age_text(value.seconds, language)
    if isinstance(value, Terms):
        return TERM_JOINERS[language].join(
            TERMS[name][language] if name in TERMS else name for name in value.names)
    return str(value)


def age_text(seconds: int, language: str = "en") -> str:
    """``seconds`` in the largest whole unit of :data:`AGE_UNITS`: ``3 days``, ``3天``."""
    for unit, size in AGE_UNITS:
        if seconds >= size or size == 1:
            count = seconds // size
            one, more = AGE_WORDS[language][unit]
            return (one if count == 1 else more).replace("{n}", str(count))
    raise AssertionError("unreachable: the last unit is one second")


@functools.cache
def placeholders(template: str) -> frozenset[str]:
    """The argument names ``template`` uses."""
    return frozenset(match.group(1) for match in PLACEHOLDER.finditer(template))


# ----------------------------------------------------------------------- watching rows

_watchers: list[Callable[[CheckRow], None]] = []


def watch(callback: Callable[[CheckRow], None]) -> Callable[[], None]:
    """Call ``callback`` with every row built through this module from now on (the test
    suite records the codes it sees this way); returns the function that stops it."""
    _watchers.append(callback)
    return lambda: _watchers.remove(callback)


def _tell(made: CheckRow) -> None:
    for callback in _watchers:
        callback(made)


__all__ = [
    "AGE_UNITS",
    "AGE_WORDS",
    "FRAMES",
    "LANGUAGES",
    "PAGE_FORM",
    "REASONS",
    "TERMS",
    "TERM_JOINERS",
    "Age",
    "ArgValue",
    "Frame",
    "Reason",
    "Terms",
    "UnknownReasonError",
    "error_row",
    "fill",
    "placeholders",
    "problem_row",
    "reason",
    "render",
    "row",
    "row_with",
    "show",
    "watch",
]

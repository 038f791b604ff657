// cfl offline verification page: decodes a QR claim (docs/claim-format.md) and verifies it
// against the trust list embedded at build time, with the rows and reason codes of
// cfl.claim.verify_claim (no bundle). No network access: see the page's CSP.
"use strict";
(function () {
  // ------------------------------------------------------------------ error marker
  function markError(text) {
    var marker = document.getElementById("js-error");
    if (!marker) {
      marker = document.createElement("p");
      marker.id = "js-error";
      document.body.appendChild(marker);
    }
    marker.setAttribute("data-error", String(text));
    marker.textContent = "页面错误 · Page error: " + String(text);
  }
  window.addEventListener("error", function (event) { markError(event.message); });
  window.addEventListener("unhandledrejection", function (event) {
    markError(event.reason && event.reason.message ? event.reason.message : event.reason);
  });

  // ------------------------------------------------------------------ constants
  var MAX_CLAIM_BYTES = 512;
  var MAX_CLAIM_DIGITS = 1234; // ceil(512 * log10(256))
  var MAX_RESOLVER_CHARS = 120;
  var MAX_TEXT_CHARS = MAX_RESOLVER_CHARS + MAX_CLAIM_DIGITS;
  var KID_HINT_BYTES = 8;
  var MAX_DEPTH = 16;
  var CLOCK_SKEW_MS = 5 * 60 * 1000;
  var MAX_TIME = 2 ** 40;
  var MAX_TEXT_FIELD = 200;
  var DECIMAL_LIMIT = 10n ** 24n;
  var RESOLVER = /^[A-Z][A-Z0-9+.\-]*:\/\/[A-Z0-9$%*+.\/:\-]*\/$/;
  var GTIN_URN = /^urn:gtin:[0-9]{14}\n?$/; // Python's "$" also matches before a final \n
  var RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+\-]\d{2}:\d{2})$/;
  var ALG_BY_COSE = { "-8": "EdDSA", "-7": "ES256" };
  var UNITS = ["liter", "kilogram", "cubic meter", "kilowatt hour", "megajoule",
    "ton kilometer", "square meter", "piece", "hour", "megabit second"];
  var BOUNDARIES = ["cradle-to-grave", "cradle-to-gate", "gate-to-gate"];
  var CATEGORIES = ["lithium-ion-battery", "pv-module", "passenger-ev",
    "electrolytic-aluminium", "cement", "flat-glass", "steel"];
  var RULE_SETS = ["gbt-24067-2024", "iso-14067-2018", "ghg-protocol-product-2011",
    "pas-2050-2011", "pact-methodology-v3", "eu-battery-regulation-2023-1542",
    "eu-pef-2021-2279", "th-tgo-cfp", "id-sni-iso-14067-2018", "ru-gost-r-iso-14067-2021",
    "jp-sumpo-cfp", "kr-keiti-carbon-label"];
  var KEY = { version: 1, id: 2, digest: 3, product: 5, category: 6, value: 7, unit: 8,
    amount: 9, boundary: 10, ruleSet: 11, grade: 12, validUntil: 13, issuedAt: 14,
    validFrom: 15 };
  var REQUIRED = [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15];
  var KNOWN = REQUIRED.concat([12]);
  var UNSIGNED_KEYS = [1, 10, 13, 14, 15];
  var BYTES_KEYS = { 2: 16, 3: 32 };
  var NUMBER_KEYS = [7, 9];
  var ED25519_L = (2n ** 252n) + 27742317777372353535851937790883648493n;

  // ------------------------------------------------------------------ small helpers
  function ClaimError(code, message) { this.code = code; this.message = message; }
  function fail(code, message) { throw new ClaimError(code, message); }
  function formatTime(ms) { return new Date(ms).toISOString().replace(/\.000Z$/, "Z"); }
  function describeAge(thenMs, nowMs) {
    var seconds = Math.floor(Math.abs(nowMs - thenMs) / 1000);
    var units = [["day", 86400], ["hour", 3600], ["minute", 60]];
    for (var i = 0; i < units.length; i++) {
      if (seconds >= units[i][1]) {
        var count = Math.floor(seconds / units[i][1]);
        return count + " " + units[i][0] + (count !== 1 ? "s" : "");
      }
    }
    return seconds + " second" + (seconds !== 1 ? "s" : "");
  }
  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, "0");
    return out;
  }
  function uuidText(bytes) {
    var h = hex(bytes);
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" +
      h.slice(16, 20) + "-" + h.slice(20);
  }
  function b64urlDecode(text) {
    if (!/^[A-Za-z0-9_\-]*$/.test(text)) return null;
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function b64urlEncode(bytes) {
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  function concat(parts) {
    var size = 0, i;
    for (i = 0; i < parts.length; i++) size += parts[i].length;
    var out = new Uint8Array(size), at = 0;
    for (i = 0; i < parts.length; i++) { out.set(parts[i], at); at += parts[i].length; }
    return out;
  }
  var utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  function decodeUtf8(bytes) {
    try { return utf8.decode(bytes); } catch (e) { fail("bad_claim", "text is not valid UTF-8"); }
  }
  function codePoints(text) { return Array.from(text).length; }

  // ------------------------------------------------------------------ text form (§3)
  // The claim bytes of a QR text ("RESOLVER/DIGITS") or of bare digits (from the page's
  // own URL path, whose resolver is the page itself). Bounds first, then BigInt.
  function claimBytesFromText(text, resolverGiven) {
    if (typeof text !== "string") fail("bad_claim_text", "expected claim text");
    if (text.length > MAX_TEXT_CHARS + 4) {
      fail("claim_too_large", "is " + text.length + " characters; a claim text has at most " +
        MAX_TEXT_CHARS);
    }
    text = text.trim();
    var cut = text.lastIndexOf("/") + 1;
    var resolver = text.slice(0, cut), digits = text.slice(cut);
    if (resolverGiven) {
      if (!resolver) fail("bad_claim_text", "does not start with a resolver URL ending in '/'");
      if (resolver.length > MAX_RESOLVER_CHARS || !RESOLVER.test(resolver)) {
        fail("bad_resolver", "the resolver must be an uppercase URL of at most " +
          MAX_RESOLVER_CHARS + " characters from the QR alphanumeric set ending in '/'");
      }
    }
    if (!digits || !/^[0-9]+$/.test(digits)) {
      fail("bad_claim_text", "expected decimal digits after the resolver URL");
    }
    if (digits.length > MAX_CLAIM_DIGITS) {
      fail("claim_too_large", "the claim number has " + digits.length + " digits; at most " +
        MAX_CLAIM_DIGITS + " are accepted");
    }
    if (digits[0] === "0") fail("bad_claim_text", "the claim number has a leading zero");
    var h = BigInt(digits).toString(16);
    if (h.length % 2) h = "0" + h;
    var out = new Uint8Array(h.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(h.substr(2 * i, 2), 16);
    return out;
  }

  // ------------------------------------------------------------------ generic CBOR reader
  // For the COSE_Sign1 envelope and the protected header: accepts what a lenient decoder
  // accepts (the exact deterministic bytes are compared afterwards, as cfl/claim.py does),
  // bounded in depth and in item counts (no item may claim more than the remaining bytes).
  function readItem(data, pos, depth) {
    if (depth > MAX_DEPTH) fail("bad_claim", "CBOR nesting is too deep");
    if (pos >= data.length) fail("bad_claim", "the CBOR ends inside an item");
    var initial = data[pos], major = initial >> 5, info = initial & 31, arg, next = pos + 1;
    if (info < 24) arg = BigInt(info);
    else if (info <= 27) {
      var size = 1 << (info - 24);
      if (next + size > data.length) fail("bad_claim", "the CBOR ends inside a head");
      arg = 0n;
      for (var i = 0; i < size; i++) arg = (arg << 8n) | BigInt(data[next + i]);
      next += size;
    } else if (info === 31 && (major === 2 || major === 3 || major === 4 || major === 5)) {
      arg = null; // indefinite length
    } else if (info === 31 && major === 7) {
      return { value: { t: "break" }, next: next };
    } else fail("bad_claim", "a reserved CBOR head");
    var remaining = data.length - next;
    var value, item, count, k;
    switch (major) {
      case 0: return { value: arg, next: next };
      case 1: return { value: -1n - arg, next: next };
      case 2: case 3:
        if (arg === null) {
          var chunks = [];
          for (;;) {
            item = readItem(data, next, depth + 1);
            next = item.next;
            if (item.value && item.value.t === "break") break;
            if (major === 2 ? !(item.value instanceof Uint8Array) : typeof item.value !== "string") {
              fail("bad_claim", "a bad chunk in an indefinite string");
            }
            chunks.push(item.value);
          }
          value = major === 2 ? concat(chunks) : chunks.join("");
          return { value: value, next: next };
        }
        if (arg > BigInt(remaining)) fail("bad_claim", "a string is longer than the data");
        var raw = data.slice(next, next + Number(arg));
        return { value: major === 2 ? raw : decodeUtf8(raw), next: next + Number(arg) };
      case 4: case 5:
        if (arg !== null && arg > BigInt(remaining)) fail("bad_claim", "too many items");
        count = arg === null ? Infinity : Number(arg);
        var items = [];
        for (k = 0; k < count; k++) {
          item = readItem(data, next, depth + 1);
          next = item.next;
          if (item.value && item.value.t === "break") {
            if (arg === null) break;
            fail("bad_claim", "an unexpected break");
          }
          if (major === 5) {
            var val = readItem(data, next, depth + 1);
            next = val.next;
            if (val.value && val.value.t === "break") fail("bad_claim", "a map without value");
            items.push([item.value, val.value]);
          } else items.push(item.value);
        }
        return { value: major === 4 ? items : { t: "map", entries: items }, next: next };
      case 6:
        item = readItem(data, next, depth + 1);
        if (item.value && item.value.t === "break") fail("bad_claim", "an unexpected break");
        return { value: { t: "tag", tag: arg, value: item.value }, next: item.next };
      default:
        return { value: { t: "simple", info: info }, next: next };
    }
  }

  function bstrHead(length) {
    if (length < 24) return Uint8Array.of(0x40 + length);
    if (length < 256) return Uint8Array.of(0x58, length);
    return Uint8Array.of(0x59, length >> 8, length & 255);
  }
  var SIG_STRUCTURE_HEAD = Uint8Array.of(0x84, 0x6a, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74,
    0x75, 0x72, 0x65, 0x31); // ["Signature1", ...
  function sigStructure(protectedBytes, payload) {
    return concat([SIG_STRUCTURE_HEAD, bstrHead(protectedBytes.length), protectedBytes,
      Uint8Array.of(0x40), bstrHead(payload.length), payload]);
  }
  function isMap(v) { return v !== null && typeof v === "object" && v.t === "map"; }

  // ------------------------------------------------------------------ decode_claim (§1, §4)
  function decodeClaim(data) {
    if (data.length > MAX_CLAIM_BYTES) {
      fail("claim_too_large", "the claim is " + data.length + " bytes; at most " +
        MAX_CLAIM_BYTES + " are accepted");
    }
    if (data.length < 2 || data[0] !== 0xd2 || data[1] !== 0x84) {
      fail("bad_claim", "is not a tagged COSE_Sign1 (expected bytes D2 84 …)");
    }
    var outer = readItem(data, 0, 0).value;
    if (!outer || outer.t !== "tag" || outer.tag !== 18n) fail("bad_claim", "is not a tagged COSE_Sign1");
    var items = outer.value;
    if (!Array.isArray(items) || items.length !== 4) {
      fail("bad_claim", "COSE_Sign1 must be an array of 4 items");
    }
    var protectedBytes = items[0], unprotected = items[1], payload = items[2], signature = items[3];
    if (!(protectedBytes instanceof Uint8Array && payload instanceof Uint8Array &&
          signature instanceof Uint8Array)) {
      fail("bad_claim", "COSE_Sign1 protected header, payload and signature must be byte strings");
    }
    if (!isMap(unprotected) || unprotected.entries.length !== 0) {
      fail("bad_claim", "the unprotected header must be empty");
    }
    if (signature.length !== 64) fail("bad_claim", "the signature must be 64 bytes");
    var canonical = concat([Uint8Array.of(0xd2, 0x84), bstrHead(protectedBytes.length),
      protectedBytes, Uint8Array.of(0xa0), bstrHead(payload.length), payload,
      bstrHead(64), signature]);
    if (!sameBytes(canonical, data)) {
      fail("claim_not_deterministic", "is not in deterministic CBOR encoding");
    }
    var header = readItem(protectedBytes, 0, 0).value;
    var keys = isMap(header) ? header.entries.map(function (e) { return e[0]; }) : [];
    var distinct = {};
    keys.forEach(function (key) { distinct[typeof key + ":" + String(key)] = true; });
    var names = Object.keys(distinct).sort();
    if (!isMap(header) || names.length !== 2 || names[0] !== "bigint:1" || names[1] !== "bigint:4") {
      fail("bad_claim", "the protected header must hold exactly alg (1) and kid (4)");
    }
    function headerValue(label) {
      var found;
      header.entries.forEach(function (e) { if (e[0] === label) found = e[1]; });
      return found; // the last one wins, as in a lenient decoder
    }
    var algValue = headerValue(1n), kid = headerValue(4n);
    var alg = typeof algValue === "bigint" ? ALG_BY_COSE[String(algValue)] : undefined;
    if (!alg) fail("bad_claim_alg", "unsupported COSE algorithm; expected -8 (EdDSA) or -7 (ES256)");
    if (!(kid instanceof Uint8Array) || kid.length !== KID_HINT_BYTES) {
      fail("bad_claim", "the kid must be the first 8 bytes of the RFC 7638 thumbprint");
    }
    var expectedHeader = concat([Uint8Array.of(0xa2, 0x01, algValue === -8n ? 0x27 : 0x26,
      0x04), bstrHead(8), kid]);
    if (!sameBytes(expectedHeader, protectedBytes)) {
      fail("claim_not_deterministic", "the protected header is not in deterministic CBOR encoding");
    }
    var claim = readPayload(payload, kid);
    return { claim: claim, alg: alg, protectedBytes: protectedBytes, payload: payload,
      signature: signature, encoded: data };
  }

  // ------------------------------------------------------------------ the payload (§2)
  // A strict reader: shortest heads, definite lengths, keys ascending and unique, the key
  // table, one type and range per key (a port of cfl/claim.py's _read_payload).
  function at(data, pos) {
    if (pos >= data.length) fail("bad_claim", "the payload is not a valid claim map");
    return data[pos];
  }
  function head(data, pos) {
    var initial = at(data, pos), major = initial >> 5, info = initial & 31;
    if (info < 24) return [major, BigInt(info), pos + 1];
    if (info > 27) fail("claim_not_deterministic", "indefinite lengths and reserved heads are not allowed");
    var size = 1 << (info - 24), end = pos + 1 + size;
    if (end > data.length) fail("bad_claim", "the payload ends inside an item");
    var value = 0n;
    for (var i = pos + 1; i < end; i++) value = (value << 8n) | BigInt(data[i]);
    var minimum = [24n, 256n, 65536n, 4294967296n][info - 24];
    if (value < minimum) fail("claim_not_deterministic", "an integer or length is not in its shortest form");
    return [major, value, end];
  }
  function take(data, pos, length) {
    var end = pos + Number(length);
    if (length > BigInt(data.length) || end > data.length) fail("bad_claim", "the payload ends inside a string");
    return [data.slice(pos, end), end];
  }
  function integer(data, pos) {
    var h = head(data, pos), major = h[0], value = h[1];
    pos = h[2];
    if (major === 0) return [value, pos];
    if (major === 1) return [-1n - value, pos];
    if (major === 6 && (value === 2n || value === 3n)) {
      var inner = head(data, pos);
      if (inner[0] !== 2) fail("bad_claim", "a bignum must hold a byte string");
      var raw = take(data, inner[2], inner[1]);
      var magnitude = BigInt("0x" + (hex(raw[0]) || "0"));
      if (raw[0].length === 0 || raw[0][0] === 0 || magnitude < 2n ** 64n) {
        fail("claim_not_deterministic", "a bignum is not in its shortest form");
      }
      return [value === 2n ? magnitude : -1n - magnitude, raw[1]];
    }
    fail("bad_claim", "expected an integer");
  }
  function number(data, pos) {
    if (at(data, pos) === 0xc4) {
      var h = head(data, pos + 1);
      if (h[0] !== 4 || h[1] !== 2n) fail("bad_claim", "a decimal fraction must be [exponent, mantissa]");
      var e = integer(data, h[2]), m = integer(data, e[1]);
      var exponent = e[0], mantissa = m[0];
      if (!(exponent >= -24n && exponent < 0n && mantissa % 10n !== 0n &&
            -DECIMAL_LIMIT < mantissa && mantissa < DECIMAL_LIMIT)) {
        fail("bad_claim", "expected an integer or a normalised decimal fraction");
      }
      return [{ mantissa: mantissa, exponent: Number(exponent) }, m[1]];
    }
    var initial = at(data, pos);
    if (initial < 24) return [{ mantissa: BigInt(initial), exponent: 0 }, pos + 1];
    var v = integer(data, pos);
    if (!(-DECIMAL_LIMIT < v[0] && v[0] < DECIMAL_LIMIT)) fail("bad_claim", "a number has more than 24 digits");
    return [{ mantissa: v[0], exponent: 0 }, v[1]];
  }
  function intOrText(data, pos) {
    var initial = at(data, pos);
    if (initial < 24) return [BigInt(initial), pos + 1];
    var h = head(data, pos);
    if (h[0] === 0) return [h[1], h[2]];
    if (h[0] === 3) {
      var raw = take(data, h[2], h[1]);
      return [decodeUtf8(raw[0]), raw[1]];
    }
    fail("bad_claim", "expected an unsigned integer or a text");
  }
  function codedText(value, table) {
    if (typeof value === "bigint") {
      var name = value >= 1n && value <= BigInt(table.length) ? table[Number(value) - 1] : undefined;
      if (name === undefined) fail("bad_claim", "unknown code " + value);
      return name;
    }
    var n = codePoints(value);
    if (!(n > 0 && n <= MAX_TEXT_FIELD) || table.indexOf(value) >= 0) {
      fail("bad_claim", "text must be 1 to 200 characters and not a coded value");
    }
    return value;
  }
  function readPayload(data, kid) {
    var h = head(data, 0);
    if (h[0] !== 5) fail("bad_claim", "the payload must be a CBOR map");
    if (h[1] > BigInt(KNOWN.length)) fail("bad_claim", "the payload has too many entries");
    var count = Number(h[1]), pos = h[2], values = {}, previous = 0n, key, value, r;
    for (var n = 0; n < count; n++) {
      key = at(data, pos);
      if (key < 24) { key = BigInt(key); pos += 1; } else {
        r = head(data, pos);
        if (r[0] !== 0) fail("bad_claim", "payload keys must be unsigned integers");
        key = r[1]; pos = r[2];
      }
      if (key <= previous) fail("claim_not_deterministic", "payload keys must be in ascending order, each once");
      previous = key;
      if (KNOWN.indexOf(Number(key)) < 0 || key > 15n) fail("bad_claim", "unknown payload key " + key);
      var k = Number(key);
      if (UNSIGNED_KEYS.indexOf(k) >= 0) {
        value = at(data, pos);
        if (value < 24) { value = BigInt(value); pos += 1; } else {
          r = head(data, pos);
          if (r[0] !== 0) fail("bad_claim", "expected an unsigned integer");
          value = r[1]; pos = r[2];
        }
      } else if (BYTES_KEYS[k]) {
        r = head(data, pos);
        if (r[0] !== 2 || r[1] !== BigInt(BYTES_KEYS[k])) {
          fail("bad_claim", "the declaration id must be 16 bytes and the digest 32");
        }
        r = take(data, r[2], r[1]); value = r[0]; pos = r[1];
      } else if (NUMBER_KEYS.indexOf(k) >= 0) {
        r = number(data, pos); value = r[0]; pos = r[1];
      } else if (k === KEY.grade) {
        r = head(data, pos);
        if (r[0] !== 3 || !(r[1] > 0n && r[1] <= 80n)) fail("bad_claim", "the grade must be text of 1 to 20 characters");
        r = take(data, r[2], r[1]);
        value = decodeUtf8(r[0]); pos = r[1];
        if (codePoints(value) > 20) fail("bad_claim", "the grade must be text of 1 to 20 characters");
      } else {
        r = intOrText(data, pos); value = r[0]; pos = r[1];
      }
      values[k] = value;
    }
    if (pos !== data.length) fail("bad_claim", "bytes follow the payload map");
    var missing = REQUIRED.filter(function (req) { return !(req in values); });
    if (missing.length) fail("bad_claim", "missing payload keys " + missing.join(", "));
    if (values[KEY.version] !== 1n) fail("bad_claim_version", "claim format version " + values[KEY.version] + " is not supported (expected 1)");
    var product = values[KEY.product], productId;
    if (typeof product === "bigint") {
      if (!(product < 10n ** 14n)) fail("bad_claim", "a GTIN has at most 14 digits");
      productId = "urn:gtin:" + product.toString().padStart(14, "0");
    } else {
      var length = codePoints(product);
      if (!(length > 0 && length <= MAX_TEXT_FIELD) || GTIN_URN.test(product)) {
        fail("bad_claim", "a product id text must be 1 to 200 characters (a GTIN-14 URN is written as an integer)");
      }
      productId = product;
    }
    if (values[KEY.amount].mantissa <= 0n) fail("bad_claim", "the declared unit amount must be positive");
    var b = values[KEY.boundary];
    var boundary = b >= 1n && b <= 3n ? BOUNDARIES[Number(b) - 1] : undefined;
    if (!boundary) fail("bad_claim", "unknown boundary code " + b);
    [KEY.validUntil, KEY.issuedAt, KEY.validFrom].forEach(function (t) {
      if (values[t] >= BigInt(MAX_TIME)) fail("bad_claim", "time out of range");
    });
    return {
      declarationId: uuidText(values[KEY.id]),
      digest: values[KEY.digest],
      kidHint: kid,
      productId: productId,
      category: codedText(values[KEY.category], CATEGORIES),
      value: values[KEY.value],
      unit: codedText(values[KEY.unit], UNITS),
      amount: values[KEY.amount],
      boundary: boundary,
      ruleSet: codedText(values[KEY.ruleSet], RULE_SETS),
      grade: values[KEY.grade] === undefined ? null : values[KEY.grade],
      validUntil: Number(values[KEY.validUntil]) * 1000,
      issuedAt: Number(values[KEY.issuedAt]) * 1000,
      validFrom: Number(values[KEY.validFrom]) * 1000
    };
  }
  function decimalText(number) {
    var negative = number.mantissa < 0n;
    var digits = (negative ? -number.mantissa : number.mantissa).toString();
    if (number.exponent < 0) {
      var places = -number.exponent;
      digits = digits.padStart(places + 1, "0");
      digits = digits.slice(0, digits.length - places) + "." + digits.slice(digits.length - places);
    }
    return (negative ? "-" : "") + digits;
  }

  // ------------------------------------------------------------------ signatures
  var keyCache = {};
  function importKey(entry) {
    if (!keyCache[entry.kid]) {
      var algorithm = entry.alg === "EdDSA" ? { name: "Ed25519" }
        : { name: "ECDSA", namedCurve: "P-256" };
      keyCache[entry.kid] = crypto.subtle.importKey("jwk", entry.jwk, algorithm, false, ["verify"]);
    }
    return keyCache[entry.kid];
  }
  function ed25519SBelowL(signature) {
    var s = 0n;
    for (var i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]);
    return s < ED25519_L;
  }
  // signature_valid: the key has the claim's algorithm and the signature verifies.
  async function signatureValid(signed, entry) {
    if (entry.alg !== signed.alg) return false;
    if (entry.alg === "EdDSA" && !ed25519SBelowL(signed.signature)) return false;
    try {
      var key = await importKey(entry);
      var algorithm = entry.alg === "EdDSA" ? { name: "Ed25519" }
        : { name: "ECDSA", hash: "SHA-256" };
      return await crypto.subtle.verify(algorithm, key, signed.signature,
        sigStructure(signed.protectedBytes, signed.payload));
    } catch (e) {
      return false;
    }
  }

  // ------------------------------------------------------------------ rows
  function row(check, status, code, message) {
    return { check: check, status: status, code: code, message: message };
  }
  function trustRows(data, nowMs) {
    var list = data.trustList, rows = [];
    rows.push(row("trust-list-signature", "PASSED", "trust_list_signed",
      "the trust list of " + list.operator + " (version " + list.version + ") is signed by " +
      "the pinned anchor " + data.anchorKid + " (checked when this page was built, " +
      data.builtAt.text + ")"));
    if (nowMs > list.expires.ms) {
      rows.push(row("trust-list-validity", "FAILED", "trust_list_expired",
        "the trust list expired " + list.expires.text + " (" +
        describeAge(list.expires.ms, nowMs) + " ago); get a current page"));
    } else if (list.issued.ms > nowMs + CLOCK_SKEW_MS) {
      rows.push(row("trust-list-validity", "FAILED", "trust_list_not_yet_valid",
        "the trust list is issued " + list.issued.text + ", after the verification time " +
        formatTime(nowMs)));
    } else {
      rows.push(row("trust-list-validity", "PASSED", "trust_list_fresh",
        "the trust list was issued " + list.issued.text + " (" +
        describeAge(list.issued.ms, nowMs) + " old) and expires " + list.expires.text));
    }
    rows.push(row("trust-list-rollback", "PASSED", "trust_list_first_seen",
      "this page keeps no earlier trust list; version " + list.version +
      " is the one embedded"));
    return rows;
  }
  function findEntry(data, kid) {
    for (var i = 0; i < data.entries.length; i++) if (data.entries[i].kid === kid) return data.entries[i];
    return null;
  }
  function windowRow(entry, when, nowMs, atSigning) {
    var check = atSigning ? "signer-valid-at-signing" : "signer-valid-at-time";
    var suffix = atSigning ? "_at_signing" : "";
    var what = atSigning ? "signing time" : "verification time";
    var window = entry.validFrom.text + " to " + entry.validUntil.text;
    if (atSigning && when > nowMs + CLOCK_SKEW_MS) {
      return row(check, "FAILED", "signed_in_future", "the signing time " + formatTime(when) +
        " is after the verification time " + formatTime(nowMs));
    }
    if (when < entry.validFrom.ms) {
      return row(check, "FAILED", "signer_not_yet_valid" + suffix, "the " + what + " " +
        formatTime(when) + " is before the signer's validity (" + window + ")");
    }
    if (when > entry.validUntil.ms) {
      return row(check, "FAILED", "signer_expired" + suffix, "the " + what + " " +
        formatTime(when) + " is after the signer's validity (" + window + ")");
    }
    return row(check, "PASSED", "signer_valid" + suffix, "the " + what + " " +
      formatTime(when) + " is within the signer's validity (" + window + ")");
  }
  function scopeRow(entry, category, ruleSet) {
    if (entry.scopeCategories.indexOf(category) < 0) {
      return row("signer-scope", "FAILED", "scope_category", entry.name +
        " is not accredited for '" + category + "' (scope: " + entry.scopeCategories.join(", ") + ")");
    }
    if (entry.scopeRuleSets.length && entry.scopeRuleSets.indexOf(ruleSet) < 0) {
      return row("signer-scope", "FAILED", "scope_rule_set", entry.name +
        " is not accredited for rule set '" + ruleSet + "' (rule sets: " +
        entry.scopeRuleSets.join(", ") + ")");
    }
    return row("signer-scope", "PASSED", "scope_covered", entry.name +
      "'s accreditation covers " + category + (entry.scopeRuleSets.length ? " under " + ruleSet : ""));
  }
  function canonicalId(text) {
    // declaration_key: a UUID in any spelling as lower-case hyphenated text
    var compact = String(text).toLowerCase().replace(/^urn:uuid:/, "").replace(/[{}\-]/g, "");
    if (!/^[0-9a-f]{32}$/.test(compact)) return String(text);
    return compact.slice(0, 8) + "-" + compact.slice(8, 12) + "-" + compact.slice(12, 16) +
      "-" + compact.slice(16, 20) + "-" + compact.slice(20);
  }
  function revocationRow(data, kid, declarationId, nowMs) {
    var list = data.revocations[kid];
    if (!list) {
      return row("revocation", "INDETERMINATE", "revocation_unavailable",
        "no revocation list from this certifier was embedded in this page, so revocation " +
        "cannot be checked");
    }
    var age = "revocation list version " + list.version + ", issued " + list.issued.text +
      ", " + describeAge(list.issued.ms, nowMs) + " old";
    for (var i = 0; i < list.entries.length; i++) {
      var hit = list.entries[i];
      if (canonicalId(hit.key) === canonicalId(declarationId) && hit.revokedAt.ms <= nowMs) {
        return row("revocation", "FAILED", "revoked", "declaration " + declarationId +
          " was revoked " + hit.revokedAt.text + ": " + hit.reason + " (" + age + ")");
      }
    }
    return row("revocation", "PASSED", "not_revoked", "declaration " + declarationId +
      " is not revoked (" + age + ")");
  }
  function hintOf(kid) {
    var bytes = b64urlDecode(kid);
    return bytes ? bytes.slice(0, KID_HINT_BYTES) : new Uint8Array(0);
  }

  // claim_rows of cfl/claim.py: trust rows, signer rows, validity
  async function claimRows(signed, data, nowMs) {
    var claim = signed.claim, rows = trustRows(data, nowMs);
    var answers = {};
    async function verify(entry) {
      if (!(entry.kid in answers)) answers[entry.kid] = await signatureValid(signed, entry);
      return answers[entry.kid];
    }
    var trusted = rows.every(function (r) { return r.status === "PASSED"; });
    if (!trusted) {
      rows.push(row("signer-trusted", "INDETERMINATE", "trust_list_unavailable",
        "no trust list was accepted, so the signer cannot be checked"));
      rows.push(validityRow(claim, nowMs));
      return { rows: rows, issuer: null };
    }
    // issuer_kid: every entry whose kid starts with the hint; the signature decides
    var candidates = data.entries.filter(function (e) { return sameBytes(hintOf(e.kid), claim.kidHint); });
    var kid = null, i;
    for (i = 0; i < candidates.length && kid === null; i++) {
      if (await verify(candidates[i])) kid = candidates[i].kid;
    }
    if (kid === null) kid = candidates.length ? candidates[0].kid : b64urlEncode(claim.kidHint);
    async function verifiesUnderOtherKey() {
      for (var j = 0; j < data.entries.length; j++) {
        var other = data.entries[j];
        if (other.kid !== kid && other.alg === signed.alg && await verify(other)) return true;
      }
      return false;
    }
    var entry = findEntry(data, kid), operator = data.trustList.operator;
    if (entry === null) {
      if (await verifiesUnderOtherKey()) {
        rows.push(row("signature", "FAILED", "kid_mismatch", "the signature names key " + kid +
          " but was made with another listed key"));
      } else {
        rows.push(row("signer-trusted", "FAILED", "signer_untrusted", "the signing key " + kid +
          " is not in the trust list of " + operator));
      }
    } else if (signed.alg !== entry.alg) {
      rows.push(row("signature", "FAILED", "alg_key_mismatch", "the signature says " +
        signed.alg + " but " + entry.name + "'s key is an " + entry.alg + " key"));
    } else if (!(await verify(entry))) {
      if (await verifiesUnderOtherKey()) {
        rows.push(row("signature", "FAILED", "kid_mismatch", "the signature names " + entry.name +
          "'s key " + kid + " but was made with another listed key"));
      } else {
        rows.push(row("signature", "FAILED", "signature_invalid", "the signature does not verify"));
      }
    } else {
      var who = entry.name + " (" + entry.accreditation.accreditor + ":" + entry.accreditation.number + ")";
      rows.push(row("signature", "PASSED", "signature_valid",
        "the signature verifies with the key of " + entry.name + " (" + kid + ")"));
      if (entry.roles.indexOf("certifier") < 0) {
        rows.push(row("signer-trusted", "FAILED", "signer_wrong_role", who +
          " is listed in the trust list of " + operator + " as " + entry.roles.join(" and ") +
          " only, so its signature cannot count as a certifier's"));
      } else if (entry.status === "active") {
        rows.push(row("signer-trusted", "PASSED", "signer_trusted", who +
          " is an active certifier entry of the trust list of " + operator));
      } else {
        rows.push(row("signer-trusted", "FAILED", "signer_" + entry.status, who + " is " +
          entry.status + " in the trust list"));
      }
      rows.push(windowRow(entry, claim.issuedAt, nowMs, true));
      rows.push(windowRow(entry, nowMs, nowMs, false));
      rows.push(scopeRow(entry, claim.category, claim.ruleSet));
      rows.push(revocationRow(data, kid, claim.declarationId, nowMs));
      rows.push(validityRow(claim, nowMs));
      return { rows: rows, issuer: entry };
    }
    rows.push(validityRow(claim, nowMs));
    return { rows: rows, issuer: null };
  }
  function validityRow(claim, nowMs) {
    if (nowMs < claim.validFrom) {
      return row("validity", "FAILED", "declaration_not_yet_valid", "the declaration is valid from " +
        formatTime(claim.validFrom) + ", after " + formatTime(nowMs));
    }
    if (nowMs > claim.validUntil) {
      return row("validity", "FAILED", "declaration_expired", "the declaration's validity ended " +
        formatTime(claim.validUntil));
    }
    return row("validity", "PASSED", "declaration_valid", "the declaration is valid from " +
      formatTime(claim.validFrom) + " until " + formatTime(claim.validUntil));
  }
  function bottomLine(rows) {
    var statuses = rows.map(function (r) { return r.status; });
    if (statuses.indexOf("FAILED") >= 0) return "FAILED";
    if (statuses.indexOf("INDETERMINATE") >= 0 || !statuses.length) return "INDETERMINATE";
    return "PASSED";
  }

  // ------------------------------------------------------------------ verification
  async function verifyText(text, resolverGiven, data, nowMs) {
    var signed;
    try {
      signed = decodeClaim(claimBytesFromText(text, resolverGiven));
    } catch (e) {
      if (!(e instanceof ClaimError)) throw e;
      return { rows: [row("claim", "FAILED", e.code, "the claim is not well-formed: " + e.message)],
        signed: null, issuer: null };
    }
    if (!window.crypto || !crypto.subtle) {
      return { rows: [row("claim", "PASSED", "claim_well_formed", "the claim is well-formed"),
        row("signature", "INDETERMINATE", "crypto_unavailable", "this browser offers no " +
          "WebCrypto here (open the page over HTTPS or from a saved file)")],
        signed: signed, issuer: null };
    }
    var first = row("claim", "PASSED", "claim_well_formed", "the claim is a well-formed " +
      "COSE_Sign1 (" + signed.alg + ", " + signed.encoded.length + " bytes) for declaration " +
      signed.claim.declarationId);
    var result = await claimRows(signed, data, nowMs);
    return { rows: [first].concat(result.rows), signed: signed, issuer: result.issuer };
  }

  // ------------------------------------------------------------------ display
  var CHECK_NAMES = {
    "claim": "标签声明 · Claim",
    "trust-list-signature": "信任列表签名 · Trust list signature",
    "trust-list-validity": "信任列表有效期 · Trust list validity",
    "trust-list-rollback": "信任列表版本 · Trust list version",
    "signature": "签名 · Signature",
    "signer-trusted": "签发机构受信任 · Issuer trusted",
    "signer-valid-at-signing": "签发时资质有效 · Issuer valid at signing",
    "signer-valid-at-time": "当前资质有效 · Issuer valid now",
    "signer-scope": "认可范围 · Issuer scope",
    "revocation": "撤销状态 · Revocation",
    "validity": "声明有效期 · Declaration validity",
    "input": "输入 · Input"
  };
  var STATUS_NAMES = { PASSED: "通过 PASSED", FAILED: "未通过 FAILED",
    INDETERMINATE: "无法确定 INDETERMINATE" };
  var VERDICTS = {
    PASSED: ["标签真实有效", "PASSED: genuine, current, issued by a trusted body"],
    FAILED: ["标签无效，请勿采信", "FAILED: do not rely on this label"],
    INDETERMINATE: ["无法确认", "INDETERMINATE: could not be fully checked"]
  };
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function fact(list, zh, en, value) {
    list.appendChild(el("dt", {}, zh + " · " + en));
    list.appendChild(el("dd", {}, value));
  }
  function show(result) {
    var rows = result.rows, line = bottomLine(rows);
    var reason = rows.filter(function (r) { return r.status === line; })[0];
    var verdict = document.getElementById("verdict");
    verdict.setAttribute("data-verdict", line);
    verdict.setAttribute("data-reason", reason && line !== "PASSED" ? reason.code : "");
    var title = document.getElementById("verdict-title");
    title.textContent = VERDICTS[line][0];
    title.appendChild(el("span", { "class": "en" }, VERDICTS[line][1]));
    var facts = document.getElementById("facts");
    facts.textContent = "";
    if (reason && line !== "PASSED") fact(facts, "原因", "Reason", reason.code + ": " + reason.message);
    if (result.signed) {
      var c = result.signed.claim;
      fact(facts, "产品", "Product", c.productId);
      fact(facts, "碳足迹", "Carbon footprint", decimalText(c.value) + " kg CO2e / " +
        decimalText(c.amount) + " " + c.unit);
      fact(facts, "类别", "Category", c.category);
      fact(facts, "规则", "Rule set", c.ruleSet + " (" + c.boundary + ")");
      fact(facts, "等级", "Grade", c.grade === null ? "— (not graded)" : c.grade);
      fact(facts, "有效期", "Valid", formatTime(c.validFrom) + " – " + formatTime(c.validUntil));
      fact(facts, "声明编号", "Declaration", c.declarationId);
      if (result.issuer) {
        fact(facts, "签发机构", "Issuer", result.issuer.name + " (" +
          result.issuer.accreditation.accreditor + " " + result.issuer.accreditation.number + ")");
      }
    }
    var list = document.getElementById("checks");
    list.textContent = "";
    rows.forEach(function (r) {
      var item = el("li", { "data-check": r.check, "data-code": r.code, "data-status": r.status });
      item.appendChild(el("span", { "class": "status" }, STATUS_NAMES[r.status] + " "));
      item.appendChild(el("span", {}, (CHECK_NAMES[r.check] || r.check) + " "));
      item.appendChild(el("span", { "class": "code" }, r.code));
      item.appendChild(el("span", { "class": "message" }, r.message));
      list.appendChild(item);
    });
  }
  function showTrustInfo(data, nowMs) {
    var list = data.trustList, footer = document.getElementById("trust-info");
    footer.textContent = "";
    footer.appendChild(el("p", { id: "trust-age", "data-age-ms": String(nowMs - list.issued.ms) },
      "信任列表 · Trust list: " + list.operator + ", version " + list.version + ", issued " +
      list.issued.text + " (" + describeAge(list.issued.ms, nowMs) + " old" +
      (nowMs > list.expires.ms ? ", EXPIRED" : "") + "), expires " + list.expires.text +
      ". " + data.entries.length + " listed keys, " + Object.keys(data.revocations).length +
      " revocation lists. Page built " + data.builtAt.text + "."));
    footer.appendChild(el("p", { id: "verification-time" }, "验证时间 · Verification time: " +
      formatTime(nowMs)));
  }

  // ------------------------------------------------------------------ start
  // Where the claim comes from: "#at=TIME&claim=TEXT" (or "#TEXT": the QR text or its
  // digits) in the fragment, else the digits after the last "/" of the path (a resolver
  // URL served by this page), else the paste box.
  function parseFragment(fragment) {
    var found = { at: null, claim: null };
    fragment.split("&").forEach(function (part) {
      if (part.indexOf("at=") === 0) found.at = part.slice(3);
      else if (part.indexOf("claim=") === 0) found.claim = part.slice(6);
      else if (part) found.claim = part;
    });
    return found;
  }
  function start() {
    var app = document.getElementById("app");
    var data = JSON.parse(document.getElementById("cfl-data").textContent);
    var fragment = parseFragment(location.hash.replace(/^#/, ""));
    var nowMs = Date.now(); // read once
    if (fragment.at !== null) {
      var atText = decodeURIComponent(fragment.at);
      var parsed = RFC3339.test(atText) ? Date.parse(atText.replace(" ", "T")) : NaN;
      if (isNaN(parsed)) {
        showTrustInfo(data, nowMs);
        show({ rows: [row("input", "FAILED", "bad_time", "#at= must be an RFC 3339 time " +
          "with offset, e.g. 2026-04-10T00:00:00Z")], signed: null, issuer: null });
        app.setAttribute("data-state", "done");
        return;
      }
      nowMs = parsed;
    }
    showTrustInfo(data, nowMs);
    function run(text, resolverGiven) {
      app.setAttribute("data-state", "verifying");
      return verifyText(text, resolverGiven, data, nowMs).then(function (result) {
        show(result);
        app.setAttribute("data-state", "done");
      });
    }
    var box = document.getElementById("claim-text");
    document.getElementById("verify-button").addEventListener("click", function () {
      var text = box.value.trim();
      run(text, text.indexOf("/") >= 0 || !/^[0-9]*$/.test(text));
    });
    var segment = location.pathname.slice(location.pathname.lastIndexOf("/") + 1);
    if (fragment.claim !== null) {
      box.value = fragment.claim.slice(0, MAX_TEXT_CHARS + 4);
      run(fragment.claim, fragment.claim.indexOf("/") >= 0);
    } else if (/^[0-9]+$/.test(segment)) {
      box.value = segment.slice(0, MAX_TEXT_CHARS + 4);
      run(segment, false);
    } else {
      app.setAttribute("data-state", "ready");
    }
  }
  // For tests and integrators: verify a QR text (with its resolver) at a time in ms; the
  // promise gives the rows. The page itself does not use it.
  window.cflPage = Object.freeze({
    verifyText: function (text, nowMs) {
      var data = JSON.parse(document.getElementById("cfl-data").textContent);
      return verifyText(text, true, data, nowMs).then(function (result) {
        return result.rows.map(function (r) { return [r.check, r.status, r.code]; });
      });
    }
  });
  try {
    start();
  } catch (e) {
    markError(e && e.message ? e.message : e);
  }
})();

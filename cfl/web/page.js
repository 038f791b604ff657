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

  // ------------------------------------------------------------------ what the Python owns
  // The claim format (code tables, payload keys, limits), the clock skew and the sentences of
  // every row come from the data block cfl/web/page.py wrote at build time from the Python
  // that owns them (cfl/claim/model.py, cfl/claim/text.py, cfl/timeutil.py,
  // cfl/report/reasons.py): this script holds only logic.
  var DATA = JSON.parse(document.getElementById("cfl-data").textContent);
  var FORMAT = DATA.claimFormat, TEXT_FORM = DATA.textForm, SYNTAX = DATA.sentenceSyntax;
  var MAX_CLAIM_BYTES = TEXT_FORM.maxClaimBytes;
  var MAX_CLAIM_DIGITS = TEXT_FORM.maxClaimDigits;
  var MAX_RESOLVER_CHARS = TEXT_FORM.maxResolverChars;
  var MAX_TEXT_CHARS = TEXT_FORM.maxTextChars;
  var RESOLVER = new RegExp(TEXT_FORM.resolverPattern);
  var KID_HINT_BYTES = FORMAT.kidHintBytes;
  var MAX_TIME = BigInt(FORMAT.maxTime);
  var MAX_TIME_SECONDS = BigInt(DATA.maxTimeSeconds); // the Python verifier's last second
  var NAMES = DATA.names;
  var MAX_TEXT_FIELD = FORMAT.maxTextField;
  var MAX_DECIMAL_DIGITS = FORMAT.maxDecimalDigits;
  var DECIMAL_LIMIT = 10n ** BigInt(MAX_DECIMAL_DIGITS);
  var GTIN_URN = new RegExp(FORMAT.gtinUrnPattern);
  var CLOCK_SKEW_MS = DATA.clockSkewMs;
  var COSE_SIGN1_TAG = BigInt(FORMAT.coseSign1Tag);
  var TAG_BYTE = 0xc0 + FORMAT.coseSign1Tag; // a tag below 24 is one head byte (major type 6)
  var ALG_BY_COSE = FORMAT.algorithms;
  var KEY = FORMAT.keys;
  var REQUIRED = FORMAT.requiredKeys;
  var KNOWN = FORMAT.knownKeys;
  var UNSIGNED_KEYS = [KEY.version, KEY.boundary, KEY.validUntil, KEY.issuedAt, KEY.validFrom];
  var BYTES_KEYS = {};
  BYTES_KEYS[KEY.id] = 16; // a UUID
  BYTES_KEYS[KEY.digest] = 32; // a SHA-256
  var NUMBER_KEYS = [KEY.value, KEY.amount];
  var UNITS = codeTable(FORMAT.units);
  var BOUNDARIES = codeTable(FORMAT.boundaries);
  var CATEGORIES = codeTable(FORMAT.categories);
  var RULE_SETS = codeTable(FORMAT.ruleSets);
  // format 2 (ADR 0142): a positional array, day dates, a 16-byte binding, the index of
  // the declaration in its certifier's status list
  var F2 = FORMAT.format2;
  var ALG2_BY_COSE = F2.algorithms;
  var KID_HINT_BYTES_2 = F2.kidHintBytes;
  var DAY_MS = F2.dayMs;
  var GTIN_ANY_URN = new RegExp(F2.gtinUrnPattern);
  var CATEGORIES_2 = codeTable(F2.categories);
  var REASONS = DATA.reasons, FRAMES = DATA.frames;
  var PLACEHOLDER = new RegExp(SYNTAX.placeholder, "g");
  var MAX_DEPTH = 16; // this reader's own bound on CBOR nesting (no Python twin: cbor2 reads there)
  // the page's own input: the time in "#at=" (RFC 3339 with an offset)
  var RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+\-]\d{2}:\d{2})$/;
  var ED25519_L = (2n ** 252n) + 27742317777372353535851937790883648493n;
  // A code table (text -> small integer) both ways.
  function codeTable(codes) {
    var names = {};
    Object.keys(codes).forEach(function (name) { names[codes[name]] = name; });
    return {
      name: function (code) { return Object.prototype.hasOwnProperty.call(names, code) ? names[code] : undefined; },
      has: function (text) { return Object.prototype.hasOwnProperty.call(codes, text); }
    };
  }

  // ------------------------------------------------------------------ small helpers
  function ClaimError(code, message) { this.code = code; this.message = message; }
  function fail(code, message) { throw new ClaimError(code, message); }
  function formatTime(ms) { return new Date(ms).toISOString().replace(/\.000Z$/, "Z"); }
  // An age as the sentences take it (cfl.report.reasons.Age): whole seconds.
  function age(thenMs, nowMs) { return { seconds: Math.floor(Math.abs(nowMs - thenMs) / 1000) }; }
  function ageText(seconds, language) {
    for (var i = 0; i < SYNTAX.ageUnits.length; i++) {
      var unit = SYNTAX.ageUnits[i][0], size = SYNTAX.ageUnits[i][1];
      if (seconds >= size || size === 1) {
        var count = Math.floor(seconds / size), words = SYNTAX.ageWords[language][unit];
        return words[count === 1 ? 0 : 1].replace("{n}", String(count));
      }
    }
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
    if (data.length < 2 || data[0] !== TAG_BYTE || data[1] !== 0x84) {
      fail("bad_claim", "is not a tagged COSE_Sign1 (expected bytes D2 84 …)");
    }
    var outer = readItem(data, 0, 0).value;
    if (!outer || outer.t !== "tag" || outer.tag !== COSE_SIGN1_TAG) fail("bad_claim", "is not a tagged COSE_Sign1");
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
    var canonical = concat([Uint8Array.of(TAG_BYTE, 0x84), bstrHead(protectedBytes.length),
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
    // the algorithm says the format: -8/-7 format 1, -19/-9 format 2
    function algIn(table) {
      return typeof algValue === "bigint" && Object.prototype.hasOwnProperty.call(
        table, String(algValue)) ? table[String(algValue)] : undefined;
    }
    var alg = algIn(ALG_BY_COSE), format = 1;
    if (!alg && algIn(ALG2_BY_COSE)) { alg = algIn(ALG2_BY_COSE); format = F2.version; }
    if (!alg) {
      var all = Object.keys(ALG2_BY_COSE).concat(Object.keys(ALG_BY_COSE));
      fail("bad_claim_alg", "unsupported COSE algorithm; expected " + all.map(function (code) {
        return code; }).join(" or "));
    }
    var hintBytes = format === 1 ? KID_HINT_BYTES : KID_HINT_BYTES_2;
    if (!(kid instanceof Uint8Array) || kid.length !== hintBytes) {
      fail("bad_claim", "the kid must be the first " + hintBytes +
        " bytes of the RFC 7638 thumbprint (claim format " + format + ")");
    }
    // {1: alg, 4: kid} in its one deterministic encoding (alg is a negative integer below 24)
    var expectedHeader = concat([Uint8Array.of(0xa2, 0x01, 0x20 + Number(-1n - algValue),
      0x04), bstrHead(hintBytes), kid]);
    if (!sameBytes(expectedHeader, protectedBytes)) {
      fail("claim_not_deterministic", "the protected header is not in deterministic CBOR encoding");
    }
    // the payload says the format too (a map 1, an array 2): both must agree
    var shape = payload.length ? { 5: 1, 4: 2 }[payload[0] >> 5] : undefined;
    if (shape !== undefined && shape !== format) {
      fail("bad_claim", "a format-" + shape + " payload under a format-" + format + " algorithm");
    }
    var claim = format === 1 ? readPayload(payload, kid) : readArrayPayload(payload, kid);
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
    if (!(-DECIMAL_LIMIT < v[0] && v[0] < DECIMAL_LIMIT)) {
      fail("bad_claim", "a number has more than " + MAX_DECIMAL_DIGITS + " digits");
    }
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
      var name = table.name(String(value));
      if (name === undefined) fail("bad_claim", "unknown code " + value);
      return name;
    }
    var n = codePoints(value);
    if (!(n > 0 && n <= MAX_TEXT_FIELD) || table.has(value)) {
      fail("bad_claim", "text must be 1 to " + MAX_TEXT_FIELD + " characters and not a coded value");
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
      if (key > BigInt(Math.max.apply(null, KNOWN)) || KNOWN.indexOf(Number(key)) < 0) {
        fail("bad_claim", "unknown payload key " + key);
      }
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
    if (values[KEY.version] !== BigInt(FORMAT.version)) {
      fail("bad_claim_version", "claim format version " + values[KEY.version] +
        " is not supported (expected " + FORMAT.version + ")");
    }
    var product = values[KEY.product], productId;
    if (typeof product === "bigint") {
      if (!(product < 10n ** 14n)) fail("bad_claim", "a GTIN has at most 14 digits");
      productId = "urn:gtin:" + product.toString().padStart(14, "0");
    } else {
      var length = codePoints(product);
      if (!(length > 0 && length <= MAX_TEXT_FIELD) || GTIN_URN.test(product)) {
        fail("bad_claim", "a product id text must be 1 to " + MAX_TEXT_FIELD +
          " characters (a GTIN-14 URN is written as an integer)");
      }
      productId = product;
    }
    if (values[KEY.amount].mantissa <= 0n) fail("bad_claim", "the declared unit amount must be positive");
    var b = values[KEY.boundary];
    var boundary = BOUNDARIES.name(String(b));
    if (!boundary) fail("bad_claim", "unknown boundary code " + b);
    [KEY.validUntil, KEY.issuedAt, KEY.validFrom].forEach(function (t) {
      if (values[t] >= MAX_TIME || values[t] > MAX_TIME_SECONDS) fail("bad_claim", "time out of range");
    });
    return {
      version: 1,
      statusIndex: null,
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
  // format 2's payload: exactly F2.items items, each with its one type and range (a port of
  // cfl/claim/decode.py's _read_array_payload; the same verdict for every byte string)
  function noSimple(data, pos) {
    if ((at(data, pos) >> 5) === 7) fail("bad_claim", "floats and other simple values are not allowed");
  }
  function unsigned(data, pos, what) {
    noSimple(data, pos);
    var h = head(data, pos);
    if (h[0] !== 0) fail("bad_claim", what + " must be an unsigned integer");
    return [h[1], h[2]];
  }
  function dayOffset(data, pos, what) {
    noSimple(data, pos);
    var h = head(data, pos);
    if (h[0] !== 0 && h[0] !== 1) fail("bad_claim", what + " must be an integer (days from the issue day)");
    if ((h[0] === 0 ? h[1] : h[1] + 1n) >= BigInt(F2.maxDayOffset)) {
      fail("bad_claim", what + " is more than " + (F2.maxDayOffset - 1) + " days from the issue day");
    }
    return [h[0] === 0 ? h[1] : -1n - h[1], h[2]];
  }
  function codedItem(data, pos, table) {
    noSimple(data, pos);
    var r = intOrText(data, pos);
    return [codedText(r[0], table), r[1]];
  }
  function gtinCheckDigitValid(digits) {
    var total = 0;
    for (var i = 0; i < digits.length - 1; i++) {
      var fromRight = digits.length - 2 - i;
      total += Number(digits[i]) * (fromRight % 2 === 0 ? 3 : 1);
    }
    return (10 - total % 10) % 10 === Number(digits[digits.length - 1]);
  }
  function readArrayPayload(data, kid) {
    var h = head(data, 0), r;
    if (h[0] !== 4) fail("bad_claim", "the payload must be a CBOR array");
    if (h[1] !== BigInt(F2.items)) {
      fail("bad_claim", "the payload has " + h[1] + " items; format 2 has exactly " + F2.items);
    }
    var pos = h[2];
    r = unsigned(data, pos, "the version"); pos = r[1];
    if (r[0] !== BigInt(F2.version)) {
      fail("bad_claim_version", "claim format version " + r[0] +
        " is not supported in an array payload (expected " + F2.version + ")");
    }
    noSimple(data, pos);
    r = head(data, pos);
    if (r[0] !== 2 || r[1] !== BigInt(F2.bindingBytes)) {
      fail("bad_claim", "the binding must be a byte string of " + F2.bindingBytes + " bytes");
    }
    r = take(data, r[2], r[1]);
    var binding = r[0]; pos = r[1];
    noSimple(data, pos);
    r = head(data, pos);
    var productId;
    if (r[0] === 2) {
      if (r[1] !== BigInt(F2.gtinBytes)) fail("bad_claim", "a GTIN is written as " + F2.gtinBytes + " bytes");
      r = take(data, r[2], r[1]);
      var gtin = BigInt("0x" + hex(r[0])), digits = gtin.toString().padStart(14, "0");
      if (gtin >= 10n ** 14n || !gtinCheckDigitValid(digits)) {
        fail("bad_claim", "the GTIN has more than 14 digits or a wrong check digit");
      }
      productId = "urn:gtin:" + digits; pos = r[1];
    } else if (r[0] === 3) {
      r = take(data, r[2], r[1]);
      productId = decodeUtf8(r[0]); pos = r[1];
      var n = codePoints(productId);
      if (!(n > 0 && n <= MAX_TEXT_FIELD) || productId.indexOf("urn:gtin:") === 0) {
        fail("bad_claim", "a product id text must be 1 to " + MAX_TEXT_FIELD +
          " characters (a GTIN is written as bytes)");
      }
    } else fail("bad_claim", "the product must be GTIN bytes or a text");
    r = codedItem(data, pos, CATEGORIES_2); var category = r[0]; pos = r[1];
    noSimple(data, pos);
    r = number(data, pos); var value = r[0]; pos = r[1];
    r = codedItem(data, pos, UNITS); var unit = r[0]; pos = r[1];
    noSimple(data, pos);
    r = number(data, pos); var amount = r[0]; pos = r[1];
    if (amount.mantissa <= 0n) fail("bad_claim", "the declared unit amount must be positive");
    r = unsigned(data, pos, "the boundary"); pos = r[1];
    var boundary = BOUNDARIES.name(String(r[0]));
    if (!boundary) fail("bad_claim", "unknown boundary code " + r[0]);
    r = codedItem(data, pos, RULE_SETS); var ruleSet = r[0]; pos = r[1];
    var grade = null;
    if (at(data, pos) === 0xf6) pos += 1;
    else {
      noSimple(data, pos);
      r = head(data, pos);
      if (r[0] !== 3 || !(r[1] > 0n && r[1] <= BigInt(4 * F2.maxGradeChars))) {
        fail("bad_claim", "the grade must be text of 1 to " + F2.maxGradeChars + " characters or null");
      }
      r = take(data, r[2], r[1]);
      grade = decodeUtf8(r[0]); pos = r[1];
      if (codePoints(grade) > F2.maxGradeChars) {
        fail("bad_claim", "the grade must be text of 1 to " + F2.maxGradeChars + " characters or null");
      }
    }
    r = unsigned(data, pos, "the issue day"); var issued = r[0]; pos = r[1];
    if (issued >= BigInt(F2.maxIssuedDay)) fail("bad_claim", "the issue day " + issued + " is too far in the future");
    r = dayOffset(data, pos, "valid from"); var from = r[0]; pos = r[1];
    r = dayOffset(data, pos, "valid until"); var until = r[0]; pos = r[1];
    r = unsigned(data, pos, "the status list index"); var statusIndex = r[0]; pos = r[1];
    if (statusIndex >= BigInt(F2.maxStatusIndex)) fail("bad_claim", "the status list index must be below " + F2.maxStatusIndex);
    if (pos !== data.length) fail("bad_claim", "bytes follow the payload array");
    if (from >= until) fail("bad_claim", "valid from must be before valid until");
    [issued + from, issued + until].forEach(function (day) {
      if (day < 0n || day > BigInt(F2.lastDay)) fail("bad_claim", "the day is outside the years 2020 to 9999");
    });
    function dayMs(day) { return F2.dayEpochMs + Number(day) * DAY_MS; }
    return {
      version: F2.version,
      statusIndex: Number(statusIndex),
      declarationId: null,
      digest: binding,
      kidHint: kid,
      productId: productId,
      category: category,
      value: value,
      unit: unit,
      amount: amount,
      boundary: boundary,
      ruleSet: ruleSet,
      grade: grade,
      validUntil: dayMs(issued + until),
      issuedAt: dayMs(issued),
      validFrom: dayMs(issued + from)
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

  // ------------------------------------------------------------------ status lists
  // A format-2 claim's bit in its certifier's status list (ADR 0143). The page embeds each
  // list's bits compressed as the signed file holds them (zlib, what DecompressionStream
  // calls "deflate") and inflates a list once, on its first use, never past its declared
  // size (the Python checked the list when the page was built; this bounds the work anyway).
  var statusBits = {};
  async function inflateBounded(bytes, expected) {
    var reader = new Blob([bytes]).stream()
      .pipeThrough(new DecompressionStream("deflate")).getReader();
    var out = new Uint8Array(expected), filled = 0;
    for (;;) {
      var part = await reader.read();
      if (part.done) break;
      if (filled + part.value.length > expected) {
        await reader.cancel();
        throw new Error("the status list inflates beyond its declared size");
      }
      out.set(part.value, filled);
      filled += part.value.length;
    }
    if (filled !== expected) throw new Error("the status list inflates to less than its size");
    return out;
  }
  function statusListBits(list) {
    if (!statusBits[list.issuer]) {
      statusBits[list.issuer] = inflateBounded(b64urlDecode(list.bits), Math.ceil(list.size / 8));
    }
    return statusBits[list.issuer];
  }
  // The rows of cfl/verification/signer.py status_row, in its order: out of range, a set
  // bit (revoked, whatever the list's age), past the list's currency (stale), not revoked.
  async function statusRow(data, kid, index, nowMs) {
    var list = (data.statusLists || {})[kid];
    if (!list) return reasonRow("status_list_unavailable", { index: index }, "page");
    if (index < 0 || index >= list.size) {
      return reasonRow("status_index_out_of_range", { index: index, version: list.version,
        last: list.size - 1 });
    }
    if (typeof DecompressionStream === "undefined") return reasonRow("status_list_unsupported");
    var bits;
    try {
      bits = await statusListBits(list);
    } catch (e) {
      return reasonRow("status_list_unsupported");
    }
    var args = { index: index, version: list.version, issued: list.issued.text,
      age: age(list.issued.ms, nowMs) };
    if (bits[index >> 3] & (0x80 >> (index & 7))) return reasonRow("revoked", args, "status_list");
    if (nowMs > list.currentUntil.ms) {
      args.due = list.currentUntil.text;
      return reasonRow("revocation_stale", args, "status_list");
    }
    return reasonRow("not_revoked", args, "status_list");
  }

  // ------------------------------------------------------------------ rows
  // A row holds its code and the arguments of its sentence (cfl/report/reasons.py): check
  // and status come from the registry, the sentence (the form `form` of the code's, in
  // Chinese and English) is filled from the arguments only when it is shown.
  function reasonRow(code, args, form, check) {
    var reason = REASONS[code], statuses = reason.formStatuses || {};
    var status = Object.prototype.hasOwnProperty.call(statuses, form || "") ?
      statuses[form || ""] : reason.status;
    return { check: check || reason.checks[0], status: status, code: code,
      args: args || {}, templates: reason.sentences[form || ""], problem: null };
  }
  // A row about an error (the claim decoder's): its code and text, worded by a frame that
  // names the registry's description of the problem.
  function errorRow(code, detail, frameName) {
    var reason = REASONS[code], frame = FRAMES[frameName];
    return { check: frame.checks[0], status: reason ? reason.status : "FAILED", code: code,
      args: { detail: detail }, templates: frame.templates,
      problem: reason && reason.problem ? reason.problem : { en: code, zh: code } };
  }
  function message(r, language) {
    var args = r.args;
    if (r.problem) {
      args = { problem: r.problem[language] };
      Object.keys(r.args).forEach(function (name) { args[name] = r.args[name]; });
    }
    return fill(r.templates[language], args, language);
  }
  function fill(template, args, language) {
    return template.replace(PLACEHOLDER, function (whole, name, quoted) {
      var value = args[name];
      return quoted ? pyRepr(value) : argText(value, language);
    });
  }
  function argText(value, language) {
    if (value !== null && typeof value === "object") {
      if (value.seconds !== undefined) return ageText(value.seconds, language);
      if (value.terms) {
        return value.terms.map(function (name) {
          return SYNTAX.terms[name] ? SYNTAX.terms[name][language] : name;
        }).join(SYNTAX.termJoiners[language]);
      }
    }
    return String(value);
  }
  // Python's repr of a text (for {name!r}): quotes, backslash and control characters.
  function pyRepr(value) {
    if (typeof value !== "string") return String(value);
    var quote = value.indexOf("'") >= 0 && value.indexOf('"') < 0 ? '"' : "'";
    var escapes = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return quote + Array.from(value).map(function (ch) {
      var code = ch.codePointAt(0);
      if (escapes[ch]) return escapes[ch];
      if (ch === quote) return "\\" + quote;
      if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return "\\x" + code.toString(16).padStart(2, "0");
      return ch;
    }).join("") + quote;
  }
  function trustRows(data, nowMs) {
    var list = data.trustList, rows = [];
    rows.push(reasonRow("trust_list_signed", { operator: list.operator, version: list.version,
      anchor: data.anchorKid, built: data.builtAt.text }, "page"));
    if (nowMs > list.expires.ms) {
      rows.push(reasonRow("trust_list_expired", { expires: list.expires.text,
        age: age(list.expires.ms, nowMs) }, "page"));
    } else if (list.issued.ms > nowMs + CLOCK_SKEW_MS) {
      rows.push(reasonRow("trust_list_not_yet_valid", { issued: list.issued.text,
        at: formatTime(nowMs) }));
    } else {
      rows.push(reasonRow("trust_list_fresh", { issued: list.issued.text,
        age: age(list.issued.ms, nowMs), expires: list.expires.text }));
    }
    rows.push(reasonRow("trust_list_first_seen", { version: list.version }, "page"));
    return rows;
  }
  function findEntry(data, kid) {
    for (var i = 0; i < data.entries.length; i++) if (data.entries[i].kid === kid) return data.entries[i];
    return null;
  }
  function windowRow(entry, when, nowMs, atSigning) {
    var suffix = atSigning ? "_at_signing" : "";
    if (atSigning && when > nowMs + CLOCK_SKEW_MS) {
      return reasonRow("signed_in_future", { when: formatTime(when), at: formatTime(nowMs) });
    }
    var code = when < entry.validFrom.ms ? "signer_not_yet_valid" :
      when > entry.validUntil.ms ? "signer_expired" : "signer_valid";
    return reasonRow(code + suffix, { when: formatTime(when), valid_from: entry.validFrom.text,
      valid_until: entry.validUntil.text });
  }
  function scopeRow(entry, category, ruleSet) {
    if (entry.scopeCategories.indexOf(category) < 0) {
      return reasonRow("scope_category", { signer: entry.name, category: category,
        scope: entry.scopeCategories.join(", ") });
    }
    if (entry.scopeRuleSets.length && entry.scopeRuleSets.indexOf(ruleSet) < 0) {
      return reasonRow("scope_rule_set", { signer: entry.name, rule_set: ruleSet,
        rule_sets: entry.scopeRuleSets.join(", ") });
    }
    if (entry.scopeRuleSets.length) {
      return reasonRow("scope_covered", { signer: entry.name, category: category,
        rule_set: ruleSet }, "rule_set");
    }
    return reasonRow("scope_covered", { signer: entry.name, category: category });
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
    if (!list) return reasonRow("revocation_unavailable", {}, "page");
    var listed = { declaration: declarationId, version: list.version, issued: list.issued.text,
      age: age(list.issued.ms, nowMs) };
    for (var i = 0; i < list.entries.length; i++) {
      var hit = list.entries[i];
      if (canonicalId(hit.key) === canonicalId(declarationId) && hit.revokedAt.ms <= nowMs) {
        listed.revoked_at = hit.revokedAt.text;
        listed.reason = hit.reason;
        return reasonRow("revoked", listed);
      }
    }
    if (nowMs > list.currentUntil.ms) {
      listed.due = list.currentUntil.text;
      // the form the Python verifier words it in: past the next update, past the default
      // age of a list without one, or past the maximum age the trust list sets (ADR 0139)
      var form = typeof list.staleForm === "string" ? list.staleForm :
        list.nextUpdate ? "" : "age";
      if (form === "max_age") listed.max_age = { seconds: list.maxAgeSeconds };
      return reasonRow("revocation_stale", listed, form);
    }
    return reasonRow("not_revoked", listed);
  }
  function hintOf(kid, length) {
    var bytes = b64urlDecode(kid);
    return bytes ? bytes.slice(0, length) : new Uint8Array(0);
  }

  // ------------------------------------------------------------------ the resolver (ADR 0138)
  // cfl/trust/resolvers.py and cfl/verification/resolver_check.py: the URL before the
  // claim's digits must be an https prefix the trust list names, compared as a browser
  // reaches it (lower-case host, the port a browser uses, path segment by segment). The
  // named prefixes come normalised from the Python (IDNA A-labels), so a QR text's host
  // (QR alphanumeric: ASCII only) is only lower-cased here.
  var URL_FORM = /^([A-Za-z][A-Za-z0-9+.\-]*):\/\/([^\/?#\\]*)(\/[^?#\\]*)$/;
  var PORT_FORM = /^[1-9][0-9]{0,4}$/;
  var LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
  var HOST_FORM = new RegExp("^" + LABEL + "(?:\\." + LABEL + ")*$");
  var SEGMENT_FORM = /^[A-Za-z0-9$*+.:_~\-]+$/;
  var DEFAULT_PORTS = { https: 443, http: 80 };
  function resolverPrefix(text) { // null when a browser might read it otherwise
    var match = URL_FORM.exec(text);
    if (!match || text[text.length - 1] !== "/" || match[2].indexOf("@") >= 0) return null;
    var scheme = match[1].toLowerCase(), authority = match[2], cut = authority.indexOf(":");
    var host = (cut < 0 ? authority : authority.slice(0, cut)).toLowerCase();
    var port = DEFAULT_PORTS[scheme] || 0;
    if (cut >= 0) {
      var portText = authority.slice(cut + 1);
      if (!PORT_FORM.test(portText) || Number(portText) > 65535) return null;
      port = Number(portText);
    }
    if (!HOST_FORM.test(host)) return null;
    var segments = match[3].split("/").slice(1, -1);
    for (var i = 0; i < segments.length; i++) {
      if (!SEGMENT_FORM.test(segments[i]) || segments[i] === "." || segments[i] === "..")
        return null;
    }
    return { scheme: scheme, host: host, port: port, segments: segments };
  }
  function covers(named, found) {
    if (named.scheme !== found.scheme || named.host !== found.host || named.port !== found.port ||
        named.segments.length > found.segments.length) return false;
    for (var i = 0; i < named.segments.length; i++) {
      if (named.segments[i] !== found.segments[i]) return false;
    }
    return true;
  }
  function resolverRow(resolver, data, trusted) {
    var cut = resolver.indexOf("://"), scheme = cut >= 0 ? resolver.slice(0, cut) : "";
    if (scheme.toLowerCase() !== "https") {
      return reasonRow("resolver_unknown", { url: resolver }, "insecure");
    }
    if (!trusted) return reasonRow("resolver_unknown", { url: resolver }, "no_trust_list");
    var operator = data.trustList.operator, named = data.resolvers || [];
    if (!named.length) {
      return reasonRow("resolver_unknown", { url: resolver, operator: operator }, "unnamed");
    }
    var found = resolverPrefix(resolver);
    var hit = found && named.filter(function (n) {
      return n.scheme === "https" && covers(n, found);
    })[0];
    if (!hit) {
      return reasonRow("resolver_unknown", { url: resolver, operator: operator,
        named: named.map(function (n) { return n.text; }).join(", ") });
    }
    return reasonRow("resolver_named", { url: resolver, operator: operator });
  }

  // claim_rows of cfl/verification/claim_check.py: trust rows, signer rows, validity and,
  // for a claim read from a QR text, whether its resolver is the scheme's
  async function claimRows(signed, data, nowMs, resolver) {
    var result = await signerRows(signed, data, nowMs);
    if (resolver !== null) result.rows.push(resolverRow(resolver, data, result.trusted));
    return result;
  }
  async function signerRows(signed, data, nowMs) {
    var claim = signed.claim, rows = trustRows(data, nowMs);
    var answers = {};
    async function verify(entry) {
      if (!(entry.kid in answers)) answers[entry.kid] = await signatureValid(signed, entry);
      return answers[entry.kid];
    }
    var trusted = rows.every(function (r) { return r.status === "PASSED"; });
    if (!trusted) {
      rows.push(reasonRow("trust_list_unavailable"));
      rows.push(validityRow(claim, nowMs));
      return { rows: rows, issuer: null, trusted: false };
    }
    // issuer_kid: every entry whose kid starts with the hint; the signature decides
    var candidates = data.entries.filter(function (e) { return sameBytes(hintOf(e.kid, claim.kidHint.length), claim.kidHint); });
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
        rows.push(reasonRow("kid_mismatch", { kid: kid }, "unlisted"));
      } else {
        rows.push(reasonRow("signer_untrusted", { kid: kid, operator: operator }));
      }
    } else if (signed.alg !== entry.alg) {
      rows.push(reasonRow("alg_key_mismatch", { alg: signed.alg, signer: entry.name,
        key_alg: entry.alg }));
    } else if (!(await verify(entry))) {
      if (await verifiesUnderOtherKey()) {
        rows.push(reasonRow("kid_mismatch", { signer: entry.name, kid: kid }));
      } else {
        rows.push(reasonRow("signature_invalid"));
      }
    } else {
      // the claim is a certifier's (only a certifier signs a claim)
      var who = { signer: entry.name, accreditation: entry.accreditation.accreditor + ":" +
        entry.accreditation.number, operator: operator, role: { terms: ["certifier"] },
        roles: { terms: entry.roles } };
      rows.push(reasonRow("signature_valid", { signer: entry.name, kid: kid }));
      if (entry.roles.indexOf("certifier") < 0) {
        rows.push(reasonRow("signer_wrong_role", who));
      } else if (entry.status === "active") {
        rows.push(reasonRow("signer_trusted", who));
      } else {
        rows.push(reasonRow("signer_" + entry.status, who));
      }
      rows.push(windowRow(entry, claim.issuedAt, nowMs, true));
      rows.push(windowRow(entry, nowMs, nowMs, false));
      rows.push(scopeRow(entry, claim.category, claim.ruleSet));
      // a format-2 claim names no declaration id: its status list says if it is revoked
      if (claim.declarationId !== null || claim.statusIndex === null) {
        rows.push(revocationRow(data, kid, claim.declarationId, nowMs));
      }
      if (claim.statusIndex !== null) {
        rows.push(await statusRow(data, kid, claim.statusIndex, nowMs));
      }
      rows.push(validityRow(claim, nowMs));
      return { rows: rows, issuer: entry, trusted: true };
    }
    rows.push(validityRow(claim, nowMs));
    return { rows: rows, issuer: null, trusted: true };
  }
  function validityRow(claim, nowMs) {
    if (nowMs < claim.validFrom) {
      return reasonRow("declaration_not_yet_valid", { start: formatTime(claim.validFrom),
        at: formatTime(nowMs) });
    }
    if (nowMs > claim.validUntil) {
      return reasonRow("declaration_expired", { end: formatTime(claim.validUntil) });
    }
    return reasonRow("declaration_valid", { start: formatTime(claim.validFrom),
      end: formatTime(claim.validUntil) });
  }
  function bottomLine(rows) {
    var statuses = rows.map(function (r) { return r.status; });
    if (statuses.indexOf("FAILED") >= 0) return "FAILED";
    if (statuses.indexOf("INDETERMINATE") >= 0 || !statuses.length) return "INDETERMINATE";
    return "PASSED";
  }

  // ------------------------------------------------------------------ verification
  // claim_subject of cfl/verification/claim_check.py: the id, or (format 2) the index in
  // the status list and the binding
  function claimSubject(claim) {
    if (claim.declarationId !== null) return claim.declarationId;
    return "status list index " + claim.statusIndex + " (binding " + hex(claim.digest) + ")";
  }
  async function verifyText(text, resolverGiven, data, nowMs) {
    var signed, trimmed = String(text).trim();
    // the URL the claim was read behind: the text's own, or this page's address when only
    // digits came (the page itself is then the resolver a phone opened)
    var resolver = resolverGiven ? trimmed.slice(0, trimmed.lastIndexOf("/") + 1) : null;
    var address = resolver !== null ? resolver : /^https?:$/.test(location.protocol) ?
      location.origin + location.pathname.slice(0, location.pathname.lastIndexOf("/") + 1) :
      null;
    try {
      signed = decodeClaim(claimBytesFromText(text, resolverGiven));
    } catch (e) {
      if (!(e instanceof ClaimError)) throw e;
      return { rows: [errorRow(e.code, e.message, "claim")], signed: null, issuer: null };
    }
    if (!window.crypto || !crypto.subtle) {
      return { rows: [reasonRow("claim_well_formed", {}, "page"), reasonRow("crypto_unavailable")],
        signed: signed, issuer: null };
    }
    var first = reasonRow("claim_well_formed", { alg: signed.alg, size: signed.encoded.length,
      declaration: claimSubject(signed.claim) });
    var result = await claimRows(signed, data, nowMs, resolver);
    var out = { rows: [first].concat(result.rows), signed: signed, issuer: result.issuer,
      address: address };
    if (data.register) {
      await addBundle(out, data.register);
      await addDisclosure(out, data.register, data, nowMs);
    }
    return out;
  }

  // ------------------------------------------------------------------ the register's bundle
  // A page served by a cfl register (data.register) fetches the claim's bundle from its own
  // origin, checks that the claim is bound to it (SHA-256 of the declaration's RFC 8785
  // bytes) and agrees with it, and shows the declaration's facts. Offline, or when the
  // register has no such bundle, the claim alone was verified and the page says so.
  var MAX_BUNDLE_CHARS = 1024 * 1024;
  function jcs(value) {
    if (value === null || typeof value !== "object") return JSON.stringify(value);
    if (Array.isArray(value)) return "[" + value.map(jcs).join(",") + "]";
    return "{" + Object.keys(value).sort().map(function (k) {
      return JSON.stringify(k) + ":" + jcs(value[k]);
    }).join(",") + "}";
  }
  function decimalKey(number) { // {mantissa, exponent} or "12.50" -> "1250e-2" normalised
    var m, e;
    if (typeof number === "string") {
      var match = /^(-?)([0-9]+)(?:\.([0-9]+))?$/.exec(number);
      if (!match) return null;
      m = BigInt(match[1] + match[2] + (match[3] || ""));
      e = -(match[3] || "").length;
    } else { m = number.mantissa; e = number.exponent; }
    while (m !== 0n && m % 10n === 0n) { m /= 10n; e += 1; }
    return m === 0n ? "0" : m + "e" + e;
  }
  function msOf(text) {
    return typeof text === "string" && RFC3339.test(text) ? Date.parse(text.replace(" ", "T"))
      : NaN;
  }
  function plusYears(ms, years) { // PACT's default validity end; 29 February -> 28 February
    var d = new Date(ms), year = d.getUTCFullYear() + years;
    var out = new Date(ms);
    out.setUTCFullYear(year);
    if (out.getUTCMonth() !== d.getUTCMonth()) out = new Date(Date.UTC(year, 1, 28,
      d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
    return out.getTime();
  }
  function cflData(declaration) {
    var found = null;
    (Array.isArray(declaration.extensions) ? declaration.extensions : []).forEach(function (x) {
      if (!found && x && x.dataSchema === "urn:cfl:schema:cfl-extension:1" && x.data &&
          typeof x.data === "object") found = x.data;
    });
    return found;
  }
  // format 2's rounding inward to whole days (UTC midnights) and GTIN-14 product ids
  function dayDown(ms) { return ms - (((ms - F2.dayEpochMs) % DAY_MS) + DAY_MS) % DAY_MS; }
  function dayUp(ms) { var down = dayDown(ms); return down === ms ? ms : down + DAY_MS; }
  function normalisedProductId(id) {
    var m = GTIN_ANY_URN.exec(id);
    if (!m || !gtinCheckDigitValid(m[1])) return id;
    return "urn:gtin:" + m[1].padStart(14, "0");
  }
  // format 2's binding: SHA-256("cfl-claim-2" || SHA-256(JCS(declaration)) || signature)[:16]
  async function bindingOf(digest, signature) {
    var context = new TextEncoder().encode(F2.bindingContext);
    return (await sha256(concat([context, digest, signature]))).slice(0, F2.bindingBytes);
  }
  // claim_binding of cfl/bundle/claim.py: format 1 compares the digest; format 2 the
  // binding with a certifier signature of the bundle, by the issuer's key when it is known
  async function boundTo(claim, digest, signatures, issuerKid) {
    if (claim.version === 1) return sameBytes(digest, claim.digest);
    var entries = Array.isArray(signatures) ? signatures : [];
    for (var i = 0; i < entries.length; i++) {
      var entry = entries[i], header = null, signature;
      if (!entry || typeof entry.protected !== "string" || typeof entry.signature !== "string") continue;
      try { header = JSON.parse(new TextDecoder().decode(b64urlDecode(entry.protected))); } catch (e) { header = null; }
      if (!header || typeof header !== "object" || header["cfl.role"] !== "certifier" ||
          typeof header.kid !== "string") continue;
      if (issuerKid ? header.kid !== issuerKid :
          !sameBytes(hintOf(header.kid, claim.kidHint.length), claim.kidHint)) continue;
      signature = b64urlDecode(entry.signature);
      if (signature && sameBytes(await bindingOf(digest, signature), claim.digest)) return true;
    }
    return false;
  }
  // claim_differences of cfl/claim/issue.py: the fields a claim and its declaration share
  function claimDifferences(claim, declaration) {
    var x = cflData(declaration), pcf = declaration.pcf || {};
    if (!x || !Array.isArray(declaration.productIds) || !declaration.productIds.length) return null;
    var end = msOf(pcf.referencePeriodEnd);
    var from = msOf(declaration.validityPeriodStart), until = msOf(declaration.validityPeriodEnd);
    if (isNaN(from)) from = end;
    if (isNaN(until)) until = isNaN(end) ? NaN : plusYears(end, 3);
    if (isNaN(from) || isNaN(until)) return null;
    var grade = x.grade && typeof x.grade === "object" && x.grade["class"] !== undefined ?
      String(x.grade["class"]) : null;
    var checks = [
      ["declaration_id", claim.declarationId === null ||
        canonicalId(declaration.id) === claim.declarationId],
      ["product_id", (claim.version === 1 ? String(declaration.productIds[0]) :
        normalisedProductId(String(declaration.productIds[0]))) === claim.productId],
      ["product_category", x.productCategory === claim.category],
      ["value", decimalKey(String(pcf.pcfExcludingBiogenicUptake)) === decimalKey(claim.value)],
      ["unit", pcf.declaredUnitOfMeasurement === claim.unit],
      ["unit_amount", decimalKey(String(pcf.declaredUnitAmount)) === decimalKey(claim.amount)],
      ["boundary", x.boundary === claim.boundary],
      ["rule_set", (x.ruleSet || {}).id === claim.ruleSet],
      ["grade", grade === claim.grade],
      ["valid_from", (claim.version === 1 ? Math.floor(from / 1000) * 1000 :
        dayUp(from)) === claim.validFrom],
      ["valid_until", (claim.version === 1 ? Math.floor(until / 1000) * 1000 :
        dayDown(until)) === claim.validUntil]
    ];
    return checks.filter(function (c) { return !c[1]; }).map(function (c) { return c[0]; });
  }
  async function addBundle(result, register) {
    var claim = result.signed.claim, response, text;
    try {
      response = await fetch(register.bundles + hex(claim.digest),
        { credentials: "omit", redirect: "error" });
      text = response.ok ? await response.text() : "";
    } catch (e) {
      result.bundleNote = "offline";
      return;
    }
    if (!response.ok || text.length > MAX_BUNDLE_CHARS) {
      result.bundleNote = response.status === 404 ? "missing" : "error";
      return;
    }
    var declaration, signatures;
    try {
      var bundle = JSON.parse(text);
      declaration = bundle.declaration;
      signatures = bundle.signatures;
    } catch (e) { declaration = null; }
    if (!declaration || typeof declaration !== "object" || Array.isArray(declaration)) {
      result.bundleNote = "error";
      return;
    }
    var digest = new Uint8Array(await crypto.subtle.digest("SHA-256",
      new TextEncoder().encode(jcs(declaration))));
    if (!(await boundTo(claim, digest, signatures, result.issuer ? result.issuer.kid : null))) {
      result.rows.push(reasonRow("claim_digest_mismatch"));
      return;
    }
    result.bundleDigest = digest; // what a proof of disclosure names (format 2 has only the binding)
    result.bundleId = canonicalId(declaration.id);
    result.rows.push(reasonRow("claim_bound"));
    var differences = claimDifferences(claim, declaration);
    if (differences === null) {
      result.rows.push(reasonRow("claim_disagrees",
        { detail: "it lacks a field the claim carries" }, "incomparable"));
    } else if (differences.length) {
      result.rows.push(reasonRow("claim_disagrees", { fields: differences.join(", ") }));
    } else {
      result.rows.push(reasonRow("claim_agrees"));
      result.declaration = declaration;
    }
  }
  // ------------------------------------------------------------------ disclosure
  // A page a register serves also fetches the declaration's proof of disclosure (a C2SP
  // tlog-proof, docs/transparency-log.md section 6) and checks it against the logs of its
  // trust list, as cfl/verification/disclosure_check.py does: the log's Ed25519 signature
  // on the checkpoint, the witness cosignatures the list requires, the entry's inclusion
  // (RFC 9162 2.1.3.2) and the entry itself (this claim's digest, id and issuer).
  var PROOF = DATA.proofFormat;
  var NODE_PREFIX = new Uint8Array([1]), LEAF_PREFIX = new Uint8Array([0]);
  function b64Decode(text) { // standard padded base64, its one canonical spelling only
    if (typeof text !== "string" || !/^[A-Za-z0-9+\/]*={0,2}$/.test(text) || text.length % 4)
      return null;
    var raw;
    try { raw = atob(text); } catch (e) { return null; }
    if (btoa(raw) !== text) return null;
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }
  function uint(bytes, from, count) {
    var value = 0;
    for (var i = from; i < from + count; i++) value = value * 256 + bytes[i];
    return value;
  }
  function parseProof(text) {
    var split = text.indexOf("\n\n");
    if (split < 0) return null;
    var head = text.slice(0, split).split("\n"), note = text.slice(split + 2);
    if (head[0] !== PROOF.header || !head[1] || head[1].indexOf("extra ") !== 0) return null;
    var extra = b64Decode(head[1].slice(6)), index = /^index (0|[1-9][0-9]{0,14})$/.exec(head[2]);
    if (!extra || !index || head.length - 3 > PROOF.maxHashes) return null;
    var path = head.slice(3).map(b64Decode);
    if (path.some(function (h) { return !h || h.length !== 32; })) return null;
    var cut = note.lastIndexOf("\n\n");
    if (cut < 0 || note[note.length - 1] !== "\n") return null;
    var body = note.slice(0, cut + 1), lines = note.slice(cut + 2, -1).split("\n");
    var point = body.slice(0, -1).split("\n"), root = b64Decode(point[2] || "");
    if (point.length < 3 || !/^(0|[1-9][0-9]{0,14})$/.test(point[1]) || !root ||
        root.length !== 32) return null;
    var signatures = [];
    for (var i = 0; i < lines.length; i++) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(lines[i]), blob = m && b64Decode(m[2]);
      if (!blob || blob.length < 5) return null;
      signatures.push({ name: m[1], id: uint(blob, 0, 4), signature: blob.slice(4) });
    }
    return { index: Number(index[1]), entry: extra, path: path, text: body,
      origin: point[0], size: Number(point[1]), root: root, signatures: signatures };
  }
  async function noteKeyVerifies(key, signature, message) {
    try {
      var imported = await crypto.subtle.importKey("raw", b64Decode(key.key),
        { name: "Ed25519" }, false, ["verify"]);
      return await crypto.subtle.verify({ name: "Ed25519" }, imported, signature, message);
    } catch (e) { return false; }
  }
  // The signatures of `keys` on the note: -1 if one of them fails, else the list of those
  // that verify (for a witness: its cosignature's time, in ms).
  async function signedBy(keys, proof, witness) {
    var found = [];
    for (var i = 0; i < proof.signatures.length; i++) {
      var s = proof.signatures[i];
      var key = keys.filter(function (k) { return k.name === s.name && k.id === s.id; })[0];
      if (!key) continue;
      var signature = s.signature, message = new TextEncoder().encode(proof.text), seconds = 0;
      if (witness) {
        if (signature.length !== 72) return -1;
        seconds = uint(signature, 0, 8);
        message = new TextEncoder().encode("cosignature/v1\ntime " + seconds + "\n" +
          proof.text);
        signature = signature.slice(8);
      }
      if (!(await noteKeyVerifies(key, signature, message))) return -1;
      found.push(seconds * 1000);
    }
    return found;
  }
  async function includedRoot(proof) { // RFC 9162 2.1.3.2 steps 1-4
    var fn = proof.index, sn = proof.size - 1;
    var r = await sha256(concat([LEAF_PREFIX, proof.entry]));
    if (fn > sn) return null;
    for (var i = 0; i < proof.path.length; i++) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(concat([NODE_PREFIX, proof.path[i], r]));
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await sha256(concat([NODE_PREFIX, r, proof.path[i]]));
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }
  function timeText(ms) { return new Date(ms).toISOString().replace(".000Z", "Z"); }
  async function disclosureRow(proof, log, result, nowMs) {
    var logged = await signedBy(log.keys, proof, false);
    if (logged === -1 || !logged.length) {
      return reasonRow("disclosure_signature_invalid", { log: log.origin });
    }
    var times = log.quorum ? await signedBy(log.witnesses, proof, true) : [];
    if (times === -1) return reasonRow("disclosure_quorum", { log: log.origin, quorum: log.quorum });
    times = times.filter(function (t) { return t <= nowMs + CLOCK_SKEW_MS; });
    if (times.length < log.quorum) {
      return reasonRow("disclosure_quorum", { log: log.origin, quorum: log.quorum });
    }
    var root = await includedRoot(proof);
    if (!root || !sameBytes(root, proof.root)) {
      return reasonRow("disclosure_inclusion_invalid", { log: log.origin });
    }
    var when = times.length ? Math.max.apply(null, times) : nowMs;
    if (when < log.validFrom.ms || when > log.validUntil.ms) {
      return reasonRow("disclosure_log_not_valid", { log: log.origin, time: timeText(when),
        window: log.validFrom.text + " to " + log.validUntil.text });
    }
    var e = proof.entry, claim = result.signed.claim;
    if (e.length !== PROOF.bundleBytes || e[0] !== PROOF.entryVersion ||
        e[1] !== PROOF.bundleType || !sameBytes(e.slice(2, 34), result.bundleDigest || claim.digest) ||
        uuidText(e.slice(34, 50)) !== (claim.declarationId === null ? result.bundleId : claim.declarationId) ||
        b64urlEncode(e.slice(50, 82)) !== result.issuer.kid) {
      return reasonRow("disclosure_entry_mismatch", { log: log.origin, index: proof.index });
    }
    return reasonRow("disclosed", { log: log.origin, index: proof.index, size: proof.size,
      time: timeText(uint(e, 82, 8) * 1000) });
  }
  async function addDisclosure(result, register, data, nowMs) {
    var logs = data.logs || [];
    if (!register.proofs || !logs.length || !result.issuer) return;
    var required = logs.some(function (l) { return l.required; });
    var names = logs.map(function (l) { return l.origin; }).join(", ");
    var missing = reasonRow(required ? "disclosure_required" : "disclosure_missing",
      { log: names });
    var response, text = "";
    try {
      // a format-2 claim carries only its binding: the proof is looked up by the digest of
      // the bundle it was bound to (none fetched: no proof can be named)
      var proofDigest = result.signed.claim.version === 1 ? result.signed.claim.digest :
        result.bundleDigest;
      if (!proofDigest) throw new Error("no digest");
      response = await fetch(register.proofs + hex(proofDigest),
        { credentials: "omit", redirect: "error" });
      if (response.status === 200) text = await response.text();
    } catch (e) {
      result.rows.push(missing);
      return;
    }
    if (!text || text.length > PROOF.maxBytes) {
      result.rows.push(missing);
      return;
    }
    var proof = parseProof(text);
    if (!proof) {
      result.rows.push(reasonRow("disclosure_proof_malformed"));
      return;
    }
    var log = logs.filter(function (l) { return l.origin === proof.origin; })[0];
    if (!log) {
      result.rows.push(required ? missing
        : reasonRow("disclosure_log_unknown", { log: proof.origin }));
      return;
    }
    result.rows.push(await disclosureRow(proof, log, result, nowMs));
  }
  function bundleFacts(facts, result) {
    var d = result.declaration, x = cflData(d) || {}, names = x.productNames || {};
    var unit = (d.pcf || {}).declaredUnitAmount + " " + (d.pcf || {}).declaredUnitOfMeasurement;
    if (names.zh) fact(facts, "名称", "Name (zh)", String(names.zh));
    if (names.en) fact(facts, "名称", "Name (en)", String(names.en));
    if (d.companyName) fact(facts, "企业", "Company", String(d.companyName));
    Object.keys(x.stages || {}).forEach(function (k) {
      fact(facts, "阶段", "Stage " + k, String(x.stages[k]) + " kg CO2e / " + unit);
    });
    Object.keys(x.gases || {}).forEach(function (k) {
      var v = x.gases[k];
      fact(facts, "气体", "Gas " + k, Array.isArray(v) ? v.map(function (g) {
        return g.species + " " + g.mass; }).join(", ") + " kg" : String(v) + " kg / " + unit);
    });
    if (x.verification) {
      var v = x.verification;
      fact(facts, "核查", "Verification", [v.bodyName, v.standard, v.level, v.date]
        .filter(Boolean).join(" · "));
    }
    (Array.isArray(x.upstreamDeclarations) ? x.upstreamDeclarations : []).forEach(function (u) {
      fact(facts, "上游声明", "Upstream", String(u.id) + " (SHA-256 " + String(u.sha256) + ")");
    });
  }

  // ------------------------------------------------------------------ display
  var CHECK_NAMES = {
    "claim": "标签声明 · Claim",
    "claim-binding": "声明绑定 · Claim bound to the declaration",
    "claim-agreement": "内容一致 · Claim agrees with the declaration",
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
    "input": "输入 · Input",
    "disclosure": "披露 · Disclosure",
    "resolver": "二维码地址 · QR address"
  };
  var STATUS_NAMES = { PASSED: "通过 PASSED", FAILED: "未通过 FAILED",
    INDETERMINATE: "无法确定 INDETERMINATE", NOT_CHECKED: "未检查 NOT_CHECKED" };
  // What the verdict tells the reader, by kind (data-kind): a headline and what to do, in
  // Chinese and English. Only "genuine" (a PASSED check at this device's time) is green.
  var VERDICTS = {
    genuine: ["标签真实有效", "PASSED: genuine, current, issued by a trusted body",
      "可以采信。请核对下列数字与标签印刷内容一致。",
      "You may rely on it. Check that the figures below match the printed label."],
    "as-of": ["仅为指定时间的核查，不是当前结果", "CHECKED AS OF A GIVEN TIME: not a current check",
      "核查时间来自链接而非本设备时钟。请去掉链接中的“#at=”后重新打开以核查当前状态。",
      "The time came from the link, not this device's clock. Open the page without \u201c#at=\u201d to check now."],
    tampered: ["伪造或被篡改，请勿采信", "FAILED: forged or tampered with",
      "签名与内容不符。请勿采信；扣留货物或文件并报告。",
      "The signature does not match the content. Do not rely on it; hold the goods and report it."],
    revoked: ["已被撤销，请勿采信", "FAILED: revoked by its issuer",
      "签发机构已撤销此声明。请勿采信；请供应商提供现行有效的声明。",
      "The issuer withdrew this declaration. Do not rely on it; ask the supplier for a current one."],
    expired: ["已过期或尚未生效", "FAILED: expired or not yet valid",
      "声明不在有效期内。请勿作为现行声明采信；请供应商提供更新的声明。",
      "The declaration is outside its validity period. Do not accept it as current; ask for a renewed one."],
    untrusted: ["签发机构不受信任", "FAILED: issuer not trusted",
      "签发机构不在本页信任列表中，或其资质/范围不适用。请确认本页为最新版本，再要求由认可机构签发的声明。",
      "The issuer is not recognised by this page's trust list, or not for this product. Make sure the page is up to date, then ask for a declaration from a recognised body."],
    elsewhere: ["二维码指向的网址不属于本标签计划", "FAILED: this code opens a site the scheme does not name",
      "手机扫码会打开一个不受标签计划担保的网站，其显示的任何结果都不可信。请勿采信；请仅以本页面或 cfl verify 的结果为准，并报告该标签。",
      "A phone that scans this code opens a site the scheme does not vouch for: nothing it shows can be trusted. Do not rely on it; trust only this page or cfl verify, and report the label."],
    "address-unchecked": ["无法确认二维码网址", "INDETERMINATE: the QR code's address could not be checked",
      "签名已核对，但本页的信任列表未列明标签计划的网址，无法确认二维码指向的网站是否可信。请核对下方网址是否为标签计划的官方网址。",
      "The signature was checked, but this page's trust list names no address for the scheme, so the site the code opens cannot be confirmed. Check the address below against the scheme's official one."],
    unreadable: ["无法读取，请重新扫描", "UNREADABLE: the code could not be read",
      "未能读取二维码内容，未核验任何信息。请重新拍摄或扫描，或手动输入二维码内容。",
      "Nothing was verified. Retake the photo or scan again, or type the QR text."],
    stale: ["状态无法确认", "INDETERMINATE: status could not be confirmed",
      "签名已核对，但撤销信息或信任信息不是最新的。请用最新版本的页面或联网核查后再采信。",
      "The signature was checked but revocation or trust information is not current. Check again with an up-to-date page or online before relying on it."],
    failed: ["标签无效，请勿采信", "FAILED: do not rely on this label",
      "请勿采信；请查看下列检查项。", "Do not rely on it; see the checks below."],
    indeterminate: ["无法确认", "INDETERMINATE: could not be fully checked",
      "未能完成全部核查。请勿仅凭此结果采信；请稍后联网或用最新页面重试。",
      "Not every check could be done. Do not rely on it alone; check again later."]
  };
  var KIND_BY_CODE = {
    revoked: "revoked",
    declaration_expired: "expired", declaration_not_yet_valid: "expired",
    signer_untrusted: "untrusted", signer_wrong_role: "untrusted", signer_suspended: "untrusted",
    signer_withdrawn: "untrusted", signer_expired: "untrusted", signer_unknown: "untrusted",
    signer_expired_at_signing: "untrusted", signer_not_yet_valid: "untrusted",
    signer_not_yet_valid_at_signing: "untrusted",
    scope_category: "untrusted", scope_rule_set: "untrusted", trust_list_expired: "untrusted",
    trust_list_not_yet_valid: "untrusted", trust_list_signature: "untrusted",
    resolver_unknown: "elsewhere",
    bad_claim_text: "unreadable", claim_too_large: "unreadable", no_qr: "unreadable",
    bad_time: "unreadable",
    revocation_stale: "stale", revocation_unavailable: "stale", scope_unknown: "stale",
    status_list_unavailable: "stale", status_list_unsupported: "stale"
  };
  // The kind of a verdict: the bottom line, refined by the code of its first row.
  function verdictKind(line, reason, asOf) {
    if (line === "PASSED") return asOf ? "as-of" : "genuine";
    // an address the trust list cannot confirm (it names none) is not a wrong one
    if (reason && reason.code === "resolver_unknown" && line === "INDETERMINATE") {
      return "address-unchecked";
    }
    var kind = reason ? KIND_BY_CODE[reason.code] : undefined;
    if (kind) return kind;
    if (line === "FAILED") return reason && reason.check === "input" ? "unreadable" : "tampered";
    return "indeterminate";
  }
  // A name of the scheme's vocabulary (category, rule set, boundary) in both languages.
  function named(table, slug) {
    var entry = NAMES[table][slug];
    if (!entry) return slug;
    return entry.zh === entry.en ? entry.en : entry.zh + " · " + entry.en;
  }
  function dateText(ms) { return formatTime(ms).slice(0, 10); } // as the label prints it (UTC)
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  // A GTIN as the digits under its barcode: the 14-digit form without its filler zeros
  // (urn:gtin:06901234567892 reads "GTIN-13 6901234567892"); any other id as it is.
  function productText(id) {
    var m = /^urn:gtin:([0-9]{8}|[0-9]{12,14})$/.exec(id);
    if (!m) return id;
    var d = m[1].padStart(14, "0");
    if (d.charAt(0) !== "0") return "GTIN-14 " + d;
    if (d.indexOf("000000") === 0) return "GTIN-8 " + d.slice(6);
    if (d.indexOf("00") === 0) return "GTIN-12 " + d.slice(2);
    return "GTIN-13 " + d.slice(1);
  }
  function fact(list, zh, en, value) {
    list.appendChild(el("dt", {}, zh + " · " + en));
    list.appendChild(el("dd", {}, value));
  }
  function show(result, asOf) {
    var rows = result.rows, line = bottomLine(rows);
    var reason = rows.filter(function (r) { return r.status === line; })[0];
    var kind = verdictKind(line, reason, asOf), words = VERDICTS[kind];
    var verdict = document.getElementById("verdict");
    verdict.setAttribute("data-verdict", line);
    verdict.setAttribute("data-kind", kind);
    verdict.setAttribute("data-reason", reason && line !== "PASSED" ? reason.code : "");
    var title = document.getElementById("verdict-title");
    title.textContent = words[0];
    title.appendChild(el("span", { "class": "en" }, words[1]));
    var advice = document.getElementById("advice");
    if (advice) advice.parentNode.removeChild(advice);
    advice = el("p", { id: "advice" }, words[2]);
    advice.appendChild(el("span", { "class": "en", lang: "en" }, words[3]));
    title.parentNode.insertBefore(advice, title.nextSibling);
    var facts = document.getElementById("facts");
    facts.textContent = "";
    facts.setAttribute("data-verified", line === "PASSED" ? "yes" : "no");
    if (reason && line !== "PASSED") {
      fact(facts, "原因", "Reason", message(reason, "zh"));
      facts.lastChild.appendChild(el("span", { "class": "en", lang: "en" }, message(reason, "en")));
      facts.lastChild.appendChild(el("span", { "class": "code" }, reason.code));
    }
    if (result.signed) {
      var c = result.signed.claim;
      if (line !== "PASSED") {
        facts.appendChild(el("p", { id: "unverified-note", "class": "unverified-note" },
          "以下内容未经核实，请勿采信 · UNVERIFIED: the figures below are what the code says, " +
          "not confirmed facts"));
      }
      fact(facts, "产品", "Product", productText(c.productId));
      fact(facts, "碳足迹", "Carbon footprint", decimalText(c.value) + " kg CO2e / " +
        decimalText(c.amount) + " " + c.unit);
      fact(facts, "类别", "Category", named("categories", c.category));
      fact(facts, "规则", "Rule set", named("ruleSets", c.ruleSet) + " (" +
        named("boundaries", c.boundary) + ")");
      fact(facts, "等级", "Grade", c.grade === null ? "— (not graded)" : c.grade);
      fact(facts, "有效期", "Valid", dateText(c.validFrom) + " – " + dateText(c.validUntil));
      // format 2 names no id: the fetched bundle's, else the claim's own index
      if (c.declarationId !== null) fact(facts, "声明编号", "Declaration", c.declarationId);
      else if (result.bundleId) fact(facts, "声明编号", "Declaration", result.bundleId);
      else fact(facts, "状态索引", "Status index", String(c.statusIndex));
      if (result.address) fact(facts, "二维码地址", "QR address", result.address);
      if (result.issuer) {
        fact(facts, "签发机构", "Issuer", result.issuer.name + " (" +
          result.issuer.accreditation.accreditor + " " + result.issuer.accreditation.number + ")");
      }
      if (result.declaration) bundleFacts(facts, result);
    }
    var note = document.getElementById("bundle-note");
    if (note) note.parentNode.removeChild(note);
    if (result.bundleNote) {
      verdict.appendChild(el("p", { id: "bundle-note", "data-note": result.bundleNote },
        (result.bundleNote === "missing" ? "登记处没有此声明的签名包 · The register holds no " +
          "bundle for this claim" : "无法获取签名包 · The bundle could not be fetched") +
        ": 仅验证了二维码声明，未核对其与完整声明的绑定 · only the QR claim was verified; its " +
        "binding to the full declaration and the full facts were not checked."));
    }
    var list = document.getElementById("checks");
    list.textContent = "";
    rows.forEach(function (r) {
      var item = el("li", { "data-check": r.check, "data-code": r.code, "data-status": r.status });
      item.appendChild(el("span", { "class": "status" }, STATUS_NAMES[r.status] + " "));
      item.appendChild(el("span", {}, (CHECK_NAMES[r.check] || r.check) + " "));
      item.appendChild(el("span", { "class": "code" }, r.code));
      item.appendChild(el("span", { "class": "message", lang: "zh-CN" }, message(r, "zh")));
      item.appendChild(el("span", { "class": "message en", lang: "en" }, message(r, "en")));
      list.appendChild(item);
    });
  }
  function showTrustInfo(data, nowMs, asOf) {
    var list = data.trustList, footer = document.getElementById("trust-info");
    footer.textContent = "";
    footer.appendChild(el("p", { id: "trust-age", "data-age-ms": String(nowMs - list.issued.ms) },
      "信任列表 · Trust list: " + list.operator + ", version " + list.version + ", issued " +
      list.issued.text + " (" + ageText(age(list.issued.ms, nowMs).seconds, "en") + " old" +
      (nowMs > list.expires.ms ? ", EXPIRED" : "") + "), expires " + list.expires.text +
      ". " + data.entries.length + " listed keys, " + Object.keys(data.revocations).length +
      " revocation lists, " + Object.keys(data.statusLists || {}).length +
      " status lists. Page built " + data.builtAt.text + "."));
    footer.appendChild(el("p", { id: "verification-time", "data-source": asOf ? "link" : "device" },
      (asOf ? "指定核查时间（来自链接，不是本设备时钟）· Checked as of (from the link, not this " +
        "device's clock): " : "验证时间（本设备时钟）· Verification time (this device's clock): ") +
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
    var nowMs = Date.now(); // read once: the device's clock is when the check happens
    // "#at=" is the explicit "check as of" mode (audits, tests): its verdict is never the
    // green "genuine, current" one, since whoever made the link chose the time.
    var asOf = fragment.at !== null;
    if (asOf) {
      var atText = decodeURIComponent(fragment.at);
      var parsed = RFC3339.test(atText) ? Date.parse(atText.replace(" ", "T")) : NaN;
      if (isNaN(parsed)) {
        showTrustInfo(data, nowMs, false);
        show({ rows: [reasonRow("bad_time")], signed: null, issuer: null }, false);
        app.setAttribute("data-state", "done");
        return;
      }
      nowMs = parsed;
    }
    showTrustInfo(data, nowMs, asOf);
    function run(text, resolverGiven) {
      app.setAttribute("data-state", "verifying");
      return verifyText(text, resolverGiven, data, nowMs).then(function (result) {
        show(result, asOf);
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

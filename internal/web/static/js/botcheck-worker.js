/*
 * botcheck-worker.js: the proof of work of the registration form's bot check
 * (see internal/botcheck/doc.go). Run as a Web Worker by botcheck.js.
 *
 * Request:  postMessage({salt: "<Challenge.Salt>", difficulty: <1..32>})
 * Response: postMessage({nonce: "<decimal>"}) or postMessage({error: "..."})
 *
 * It counts nonces 0, 1, 2, ... as decimal strings until
 * SHA-256(UTF-8(salt + ":" + nonce)) starts with `difficulty` zero bits,
 * exactly as botcheck.Solve does in Go. The SHA-256 is written out here in
 * plain, synchronous JavaScript: the Web Crypto digest is asynchronous (far too slow
 * one hash at a time) and missing on origins that are not secure.
 *
 * Under Node.js (the Go tests) it exports {sha256hex, solve} instead of
 * listening for messages.
 */
(function () {
  "use strict";

  var K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);

  var IV = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
  ]);

  var MAX_DIFFICULTY = 32;

  var W = new Int32Array(64); // message schedule, reused
  var H = new Int32Array(8); // hash state, reused
  var scratch = new Uint8Array(128); // padded message, grown when needed

  // utf8 encodes a string as UTF-8, like TextEncoder: surrogate pairs are
  // combined, lone surrogates become U+FFFD.
  function utf8(str) {
    var out = [];
    for (var i = 0; i < str.length; i++) {
      var c = str.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
        var d = str.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else {
          c = 0xfffd;
        }
      } else if (c >= 0xd800 && c <= 0xdfff) {
        c = 0xfffd;
      }
      if (c < 0x80) {
        out.push(c);
      } else if (c < 0x800) {
        out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      } else if (c < 0x10000) {
        out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      } else {
        out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      }
    }
    return new Uint8Array(out);
  }

  // compress runs the SHA-256 compression function on the 64-byte block of
  // buf at off, updating H.
  function compress(buf, off) {
    var i, j, x, y, t1, t2;
    for (i = 0; i < 16; i++) {
      j = off + 4 * i;
      W[i] = (buf[j] << 24) | (buf[j + 1] << 16) | (buf[j + 2] << 8) | buf[j + 3];
    }
    for (i = 16; i < 64; i++) {
      x = W[i - 15];
      y = W[i - 2];
      W[i] = (W[i - 16] +
        (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) +
        W[i - 7] +
        (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    }
    var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    for (i = 0; i < 64; i++) {
      t1 = (h +
        (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
        ((e & f) ^ (~e & g)) +
        K[i] + W[i]) | 0;
      t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
        ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    H[0] = (H[0] + a) | 0;
    H[1] = (H[1] + b) | 0;
    H[2] = (H[2] + c) | 0;
    H[3] = (H[3] + d) | 0;
    H[4] = (H[4] + e) | 0;
    H[5] = (H[5] + f) | 0;
    H[6] = (H[6] + g) | 0;
    H[7] = (H[7] + h) | 0;
  }

  // digest hashes the first len bytes of msg and returns the state words
  // (the shared H array: read it before the next call).
  function digest(msg, len) {
    var total = (Math.floor((len + 8) / 64) + 1) * 64;
    if (scratch.length < total) {
      scratch = new Uint8Array(total);
    }
    var buf = scratch;
    buf.set(msg.subarray(0, len));
    buf[len] = 0x80;
    buf.fill(0, len + 1, total);
    var bits = len * 8;
    var hi = Math.floor(bits / 4294967296);
    var lo = bits >>> 0;
    buf[total - 8] = hi >>> 24;
    buf[total - 7] = (hi >>> 16) & 255;
    buf[total - 6] = (hi >>> 8) & 255;
    buf[total - 5] = hi & 255;
    buf[total - 4] = lo >>> 24;
    buf[total - 3] = (lo >>> 16) & 255;
    buf[total - 2] = (lo >>> 8) & 255;
    buf[total - 1] = lo & 255;
    H.set(IV);
    for (var off = 0; off < total; off += 64) {
      compress(buf, off);
    }
    return H;
  }

  // sha256hex returns the lowercase hex SHA-256 of the UTF-8 encoding of str.
  function sha256hex(str) {
    var bytes = utf8(String(str));
    var h = digest(bytes, bytes.length);
    var out = "";
    for (var i = 0; i < 8; i++) {
      out += ("0000000" + (h[i] >>> 0).toString(16)).slice(-8);
    }
    return out;
  }

  // hasLeadingZeroBits reports whether the hash state h starts with at least
  // n zero bits (most significant bit of the first word first).
  function hasLeadingZeroBits(h, n) {
    for (var i = 0; i < 8 && n > 0; i++) {
      var w = h[i] >>> 0;
      if (n < 32) {
        return (w >>> (32 - n)) === 0;
      }
      if (w !== 0) {
        return false;
      }
      n -= 32;
    }
    return n <= 0;
  }

  // solve returns the first nonce "0", "1", "2", ... for which
  // SHA-256(salt + ":" + nonce) has difficulty leading zero bits.
  function solve(salt, difficulty) {
    if (!(difficulty > 0)) {
      return "0";
    }
    var prefix = utf8(String(salt) + ":");
    var msg = new Uint8Array(prefix.length + 20);
    msg.set(prefix);
    for (var n = 0; n <= Number.MAX_SAFE_INTEGER; n++) {
      var s = String(n);
      for (var i = 0; i < s.length; i++) {
        msg[prefix.length + i] = s.charCodeAt(i);
      }
      if (hasLeadingZeroBits(digest(msg, prefix.length + s.length), difficulty)) {
        return s;
      }
    }
    throw new Error("no nonce found");
  }

  function onRequest(event) {
    var data = event.data || {};
    var salt = data.salt;
    var difficulty = data.difficulty;
    if (typeof salt !== "string" || salt === "" ||
        typeof difficulty !== "number" || Math.floor(difficulty) !== difficulty ||
        difficulty < 1 || difficulty > MAX_DIFFICULTY) {
      self.postMessage({ error: "bad request" });
      return;
    }
    try {
      self.postMessage({ nonce: solve(salt, difficulty) });
    } catch (err) {
      self.postMessage({ error: String((err && err.message) || err) });
    }
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { sha256hex: sha256hex, solve: solve };
  } else if (typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope) {
    self.addEventListener("message", onRequest);
  }
})();

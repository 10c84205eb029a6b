// R-CAP6: the proof of work (ALTCHA protocol), run in a Web Worker so the page stays responsive.
// Finds the number n, among those this worker is given (start, start + step, …, up to max), for which
// SHA-256(salt + n) is the challenge. SHA-256 is written out here rather than asked of crypto.subtle for each
// number: the salt's first blocks are hashed once (midstate), then each number costs one block, in a tight
// loop. A script pays the same per number in C; what matters is that a person's browser is not far slower.
"use strict";

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

// One 64-byte block (bytes[offset…offset+63]) into the state h (8 words), with w as scratch (64 words).
function compress(h, w, bytes, offset) {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
  }
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15], b = w[i - 2];
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
}

// digits[0…count) += step (given in decimal); returns the new count.
function addDecimal(digits, count, step) {
  let carry = 0;
  let i = count - 1;
  for (let j = step.length - 1; j >= 0 || carry; j--, i--) {
    const add = (j >= 0 ? step.charCodeAt(j) - 48 : 0) + carry;
    if (i < 0) { digits.copyWithin(1, 0, count); digits[0] = 48; count++; i = 0; }
    const sum = digits[i] - 48 + add;
    digits[i] = 48 + (sum % 10);
    carry = sum >= 10 ? 1 : 0;
  }
  return count;
}

function solve({ salt, challenge, start, step, max }) {
  const prefix = new TextEncoder().encode(salt);
  const target = new Int32Array(8);
  for (let i = 0; i < 8; i++) target[i] = parseInt(challenge.slice(i * 8, i * 8 + 8), 16) | 0;
  const w = new Int32Array(64);
  const mid = Int32Array.from(INITIAL);
  const whole = prefix.length - (prefix.length % 64);
  for (let offset = 0; offset < whole; offset += 64) compress(mid, w, prefix, offset);
  const rest = prefix.length - whole;
  const tail = new Uint8Array(128);
  tail.set(prefix.subarray(whole));
  const h = new Int32Array(8);
  const digits = new Uint8Array(24);  // the number in decimal, counted up in place (no division per number)
  let count = 0;
  for (let m = start; ; m = Math.floor(m / 10)) { digits[count++] = 48 + (m % 10); if (m < 10) break; }
  digits.subarray(0, count).reverse();
  const stepDigits = String(step);
  for (let n = start; n <= max; n += step) {
    tail.set(digits.subarray(0, count), rest);
    const length = rest + count;
    const blocks = length + 9 > 64 ? 2 : 1;
    tail[length] = 0x80;
    tail.fill(0, length + 1, blocks * 64);
    const bits = (prefix.length - rest + length) * 8;
    tail[blocks * 64 - 3] = (bits >>> 16) & 0xff;
    tail[blocks * 64 - 2] = (bits >>> 8) & 0xff;
    tail[blocks * 64 - 1] = bits & 0xff;
    h.set(mid);
    compress(h, w, tail, 0);
    if (blocks === 2) compress(h, w, tail, 64);
    if (h[0] === target[0] && h[1] === target[1] && h[2] === target[2] && h[3] === target[3] &&
        h[4] === target[4] && h[5] === target[5] && h[6] === target[6] && h[7] === target[7]) return n;
    count = addDecimal(digits, count, stepDigits);
  }
  return -1;
}

self.onmessage = (event) => { self.postMessage({ number: solve(event.data) }); };

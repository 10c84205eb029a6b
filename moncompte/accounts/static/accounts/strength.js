// R-PW7: the "Niveau indicatif de sécurité" in the browser. A line-by-line port of
// moncompte/accounts/strength.py (keep them in step); tests/accounts/test_strength_parity.py runs both on a
// corpus and compares every result. Works as a browser script and under Node (for that test).
(function (root) {
  "use strict";

  const MAX_LENGTH = 50;
  const MAX_WORD = 20;
  const L33T = { "4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s", "7": "t", "+": "t" };
  const BRUTEFORCE_CARDINALITY = 10.0;
  const MIN_GUESSES_BEFORE_GROWING_SEQUENCE = 10000.0;
  const REFERENCE_YEAR = 2000;
  const MIN_YEAR_SPACE = 20;
  const THRESHOLDS = [1e3 + 5, 1e6 + 5, 1e8 + 5, 1e10 + 5];
  const LABELS = ["Très faible", "Faible", "Moyen", "Bon", "Très bon"];
  const DATE_SEPARATORS = ["/", "-", "."];
  const WARN_UP_TO_SCORE = 2;
  const WARNINGS = {
    common: "Ce code fait partie des plus utilisés : il serait deviné en quelques essais.",
    user: "Évitez votre nom et votre prénom.",
    password: "Il contient un mot de passe très courant.",
    word: "Les mots du dictionnaire et les prénoms se devinent facilement.",
    sequence: "Les suites comme « abc » ou « 123 » se devinent facilement.",
    repeat: "Les répétitions comme « aaa » se devinent facilement.",
    date: "Les dates et les années se devinent facilement.",
  };
  const WARNING_ORDER = ["user", "password", "word", "sequence", "repeat", "date"];

  let ranked = null;

  function load(lists) {
    ranked = new Map();
    for (const name of ["passwords", "french_words", "names"]) {
      lists[name].forEach((word, index) => {
        if (!ranked.has(word)) ranked.set(word, [index + 1, name]);
      });
    }
  }

  // Strings are handled as arrays of code points, as Python does.
  const chars = (text) => Array.from(text);
  const isUpper = (c) => c >= "A" && c <= "Z" && c.length === 1;
  const isLower = (c) => c >= "a" && c <= "z" && c.length === 1;
  const asciiLower = (text) => chars(text).map((c) => (isUpper(c) ? String.fromCharCode(c.charCodeAt(0) + 32) : c)).join("");

  function binomial(n, k) {
    let result = 1.0;
    for (let d = 1; d <= k; d++) result = (result * (n - k + d)) / d;
    return result;
  }

  function upperVariations(token) {
    const cs = chars(token);
    const upper = cs.filter(isUpper).length;
    const lower = cs.filter(isLower).length;
    if (upper === 0) return 1.0;
    if (lower === 0 || (upper === 1 && (isUpper(cs[0]) || isUpper(cs[cs.length - 1])))) return 2.0;
    let total = 0.0;
    for (let i = 1; i <= Math.min(upper, lower); i++) total += binomial(upper + lower, i);
    return total;
  }

  function lookup(word, userWords) {
    if (userWords.has(word)) return [userWords.get(word), "user"];
    const found = ranked.get(word);
    if (found === undefined) return null;
    return [found[0], found[1] === "passwords" ? "password" : "word"];
  }

  function dictionary(password, userWords) {
    const lower = chars(asciiLower(password.join("")));
    const plain = lower.map((c) => (c in L33T ? L33T[c] : c));
    const pieces = [];
    const n = password.length;
    for (let i = 0; i < n; i++) {
      for (let j = i + 2; j < Math.min(n, i + MAX_WORD); j++) {
        const token = password.slice(i, j + 1).join("");
        const lowerToken = lower.slice(i, j + 1);
        const substituted = lowerToken.filter((c) => c in L33T).length;
        const candidates = [[lowerToken.join(""), 0], [plain.slice(i, j + 1).join(""), substituted]];
        for (const [candidate, l33t] of candidates) {
          if (l33t && candidate === lowerToken.join("")) continue;
          const reversedWord = chars(candidate).reverse().join("");
          for (const [word, reversedFactor] of [[candidate, 1.0], [reversedWord, 2.0]]) {
            if (reversedFactor === 2.0 && word === candidate) continue;
            const found = lookup(word, userWords);
            if (found === null) continue;
            let guesses = found[0] * upperVariations(token) * reversedFactor;
            for (let s = 0; s < l33t; s++) guesses = guesses * 2.0;
            pieces.push({ start: i, end: j, guesses, kind: found[1] });
          }
        }
      }
    }
    return pieces;
  }

  function charClass(c) {
    if (c >= "0" && c <= "9" && c.length === 1) return "digit";
    if (isLower(c)) return "lower";
    if (isUpper(c)) return "upper";
    return "other";
  }

  const code = (c) => c.codePointAt(0);

  function sequences(password) {
    const pieces = [];
    const n = password.length;
    let i = 0;
    while (i < n - 2) {
      const delta = code(password[i + 1]) - code(password[i]);
      const cls = charClass(password[i]);
      if (![1, 2].includes(Math.abs(delta)) || cls === "other") {
        i += 1;
        continue;
      }
      let j = i + 1;
      while (j + 1 < n && code(password[j + 1]) - code(password[j]) === delta && charClass(password[j + 1]) === cls) j += 1;
      if (charClass(password[j]) === cls && j - i + 1 >= 3) {
        const first = password[i];
        const base = "aAzZ019".includes(first) ? 4.0 : cls === "digit" ? 10.0 : 26.0;
        const guesses = base * (j - i + 1) * (delta < 0 ? 2.0 : 1.0);
        pieces.push({ start: i, end: j, guesses, kind: "sequence" });
        i = j;
      } else {
        i += 1;
      }
    }
    return pieces;
  }

  function repeats(password) {
    const pieces = [];
    const n = password.length;
    let i = 0;
    while (i < n) {
      let j = i;
      while (j + 1 < n && password[j + 1] === password[i]) j += 1;
      if (j - i + 1 >= 3) {
        const cardinality = { digit: 10.0, lower: 26.0, upper: 26.0 }[charClass(password[i])] || 33.0;
        pieces.push({ start: i, end: j, guesses: cardinality * (j - i + 1), kind: "repeat" });
      }
      i = j + 1;
    }
    return pieces;
  }

  const yearSpace = (year) => Math.max(Math.abs(year - REFERENCE_YEAR), MIN_YEAR_SPACE);
  const validDate = (day, month, year) => day >= 1 && day <= 31 && month >= 1 && month <= 12 && year >= 1900 && year <= 2049;
  const fullYear = (yy) => (yy < 50 ? 2000 + yy : 1900 + yy);
  const isDigits = (text) => text.length > 0 && /^[0-9]+$/.test(text);

  function dateYear(token) {
    if (token.length === 4 && isDigits(token)) {
      const year = parseInt(token, 10);
      return year >= 1900 && year <= 2049 ? year : null;
    }
    let digits = token;
    if ((token.length === 8 || token.length === 10) && DATE_SEPARATORS.includes(token[2]) && DATE_SEPARATORS.includes(token[5])) {
      digits = token.slice(0, 2) + token.slice(3, 5) + token.slice(6);
    } else if (token.length === 10 && DATE_SEPARATORS.includes(token[4]) && DATE_SEPARATORS.includes(token[7])) {
      digits = token.slice(0, 4) + token.slice(5, 7) + token.slice(8);
    }
    if (!isDigits(digits)) return null;
    const num = (a, b) => parseInt(digits.slice(a, b), 10);
    if (digits.length === 6) {
      const day = num(0, 2), month = num(2, 4), year = fullYear(num(4, 6));
      return validDate(day, month, year) ? year : null;
    }
    if (digits.length === 8) {
      let day = num(0, 2), month = num(2, 4), year = num(4, 8);
      if (validDate(day, month, year)) return year;
      year = num(0, 4); month = num(4, 6); day = num(6, 8);
      return validDate(day, month, year) ? year : null;
    }
    return null;
  }

  function dates(password) {
    const pieces = [];
    const n = password.length;
    for (let i = 0; i < n; i++) {
      for (const length of [4, 6, 8, 10]) {
        const j = i + length - 1;
        if (j >= n) break;
        // Dates are made of ASCII digits and separators: one code point is one UTF-16 unit here.
        const token = password.slice(i, j + 1).join("");
        if (token.length !== length) continue;
        const year = dateYear(token);
        if (year !== null) {
          const factor = length === 4 ? 1.0 : 365.0;
          pieces.push({ start: i, end: j, guesses: factor * yearSpace(year), kind: "date" });
        }
      }
    }
    return pieces;
  }

  function power(base, exponent) {
    let result = 1.0;
    for (let i = 0; i < exponent; i++) result = result * base;
    return result;
  }

  function factorial(k) {
    let result = 1.0;
    for (let i = 2; i <= k; i++) result = result * i;
    return result;
  }

  function cheapestCover(n, pieces) {
    const byEnd = Array.from({ length: n }, () => []);
    for (const piece of pieces) byEnd[piece.end].push(piece);
    const best = [];
    for (let k = 0; k < n; k++) {
      const current = new Map();
      const offer = (count, slot, value) => {
        if (!current.has(count)) current.set(count, [Infinity, Infinity]);
        const entry = current.get(count);
        if (value < entry[slot]) entry[slot] = value;
      };
      if (k === 0) {
        offer(1, 1, BRUTEFORCE_CARDINALITY);
      } else {
        for (const [count, [afterPiece, afterBrute]] of best[k - 1]) {
          if (afterBrute < Infinity) offer(count, 1, afterBrute * BRUTEFORCE_CARDINALITY);
          if (afterPiece < Infinity) offer(count + 1, 1, afterPiece * BRUTEFORCE_CARDINALITY);
        }
      }
      for (const piece of byEnd[k]) {
        if (piece.start === 0) {
          offer(1, 0, piece.guesses);
        } else {
          for (const [count, [afterPiece, afterBrute]] of best[piece.start - 1]) {
            offer(count + 1, 0, Math.min(afterPiece, afterBrute) * piece.guesses);
          }
        }
      }
      best.push(current);
    }
    let total = Infinity;
    for (const [count, products] of best[n - 1]) {
      for (const product of products) {
        let guesses = factorial(count) * product;
        if (count > 1) guesses = guesses + power(MIN_GUESSES_BEFORE_GROWING_SEQUENCE, count - 1);
        if (guesses < total) total = guesses;
      }
    }
    return total;
  }

  function userWordsOf(userInputs) {
    const words = new Map();
    for (const value of userInputs) {
      const plain = value.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
      for (const word of asciiLower(plain).replace(/-/g, " ").split(" ")) {
        if (chars(word).length >= 3 && !words.has(word)) words.set(word, words.size + 1);
      }
    }
    return words;
  }

  function warning(password, pieces) {
    const lower = asciiLower(password.join(""));
    const plain = chars(lower).map((c) => (c in L33T ? L33T[c] : c)).join("");
    const found = ranked.get(plain) || ranked.get(lower);
    if (found !== undefined && found[1] === "passwords") return WARNINGS.common;
    const kinds = new Set(pieces.filter((p) => p.end - p.start + 1 >= 4 || p.kind === "sequence").map((p) => p.kind));
    for (const kind of WARNING_ORDER) if (kinds.has(kind)) return WARNINGS[kind];
    return "";
  }

  function estimate(text, userInputs) {
    const password = chars(text).slice(0, MAX_LENGTH);
    if (password.length === 0) return { score: 0, label: LABELS[0], guesses: 0.0, warning: "" };
    const userWords = userWordsOf(userInputs || []);
    const pieces = dictionary(password, userWords).concat(sequences(password), repeats(password), dates(password));
    const guesses = cheapestCover(password.length, pieces);
    const score = THRESHOLDS.filter((threshold) => guesses >= threshold).length;
    // As zxcvbn: advice only where the code is weak, so a very good code is not told off.
    return { score, label: LABELS[score], guesses, warning: score <= WARN_UP_TO_SCORE ? warning(password, pieces) : "" };
  }

  // R-PW10, as password_policy.is_common: a common password as typed, or with digits and specials added at the end.
  const TRAILING = new Set(Array.from("0123456789?!$€£@&(-+_)=*%/<>,.;"));
  function isCommon(text) {
    const lower = asciiLower(text);
    const letters = chars(lower);
    while (letters.length && TRAILING.has(letters[letters.length - 1])) letters.pop();
    const common = (word) => { const found = ranked.get(word); return found !== undefined && found[1] === "passwords"; };
    return common(lower) || common(letters.join(""));
  }

  root.moncompteStrength = { load, estimate, isCommon, isLoaded: () => ranked !== null };
})(typeof globalThis !== "undefined" ? globalThis : this);

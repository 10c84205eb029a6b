// Progressive enhancements only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // R-A11Y1: the error summary takes the focus so screen readers announce it first.
  const summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();

  // The confirmation link confirms on arrival (issue 23): the page posts its button once a person sees it
  // (not while a browser prepares it unseen); without JavaScript, the button stays.
  const arrival = document.querySelector("[data-confirm-on-arrival]");
  if (arrival) {
    const confirmOnce = () => {
      if (document.visibilityState !== "visible" || arrival.dataset.sent) return;
      arrival.dataset.sent = "1";
      document.querySelector("[data-confirming]").hidden = false;
      arrival.requestSubmit();
    };
    document.addEventListener("visibilitychange", confirmOnce);
    confirmOnce();
  }

  // "Nouveau code" without reloading the page (the button still submits when JavaScript is off).
  const refresh = document.querySelector("[data-captcha-refresh]");
  if (refresh) {
    refresh.addEventListener("click", (event) => {
      event.preventDefault();
      captchaRenew(refresh, { focusAnswer: true });
    });
  }
});

// A new CAPTCHA in place: the other fields keep what was typed. Tells the time limit it starts again.
async function captchaRenew(refresh, { focusAnswer }) {
  const form = refresh.closest("form");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const response = await fetch(refresh.dataset.url || "/captcha/nouveau/", {
    method: "POST", headers: { "X-CSRFToken": token }, credentials: "same-origin",
  });
  if (!response.ok) { form.requestSubmit(refresh); return; }
  const challenge = await response.json();
  form.querySelector("[data-captcha-id]").value = challenge.id;
  form.querySelector("[data-captcha-image]").src = challenge.image;
  const audio = form.querySelector("[data-captcha-audio]");
  audio.src = challenge.audio;
  audio.load();
  const workField = form.querySelector("[data-captcha-work]");
  if (workField && challenge.work) {  // R-CAP6: the proof of work made for the new challenge
    workField.dataset.workChallenge = challenge.work;
    workStart(workField);
  }
  const answer = form.querySelector("input[name=captcha_answer]");
  answer.value = "";
  if (focusAnswer) answer.focus();
  document.dispatchEvent(new CustomEvent("moncompte:captcha-renewed", { detail: challenge.seconds_left }));
}

// R-A11Y5 (WCAG 2.2.1): before a time limit ends, a dialog takes the focus and says so; one action extends
// it (Escape too), then the focus goes back where it was. Nothing typed is touched: no page is loaded.
document.addEventListener("DOMContentLoaded", () => {
  for (const dialog of document.querySelectorAll("[data-time-limit]")) watchTimeLimit(dialog);
});

function watchTimeLimit(dialog) {
  const text = dialog.querySelector("[data-time-limit-text]");
  const extendButton = dialog.querySelector("[data-time-limit-extend]");
  const endedLink = dialog.querySelector("[data-time-limit-ended]");
  const status = document.querySelector("[data-time-limit-status]");
  const warning = text.textContent;
  let timers = [];
  let returnTo = null;

  function schedule(secondsLeft) {
    timers.forEach(clearTimeout);
    const warnIn = Math.max(0, secondsLeft - Number(dialog.dataset.warnSeconds));
    timers = [setTimeout(warn, warnIn * 1000), setTimeout(end, secondsLeft * 1000)];
  }
  function open() {
    if (dialog.open) return;
    returnTo = document.activeElement;
    dialog.showModal();
  }
  function close() {
    if (dialog.open) dialog.close();
    if (returnTo && returnTo !== document.body) returnTo.focus();
  }
  function warn() {
    text.textContent = warning;
    open();
  }
  function end() {
    text.textContent = text.dataset.endedText;
    if (endedLink) { extendButton.hidden = true; endedLink.hidden = false; }
    open();
    (endedLink || extendButton).focus();
  }
  async function extend() {
    if (!dialog.dataset.extendUrl) {  // the CAPTCHA: a new one is the extension
      close();
      const refresh = document.querySelector("[data-captcha-refresh]");
      if (refresh) captchaRenew(refresh, { focusAnswer: false });
      return;
    }
    const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
    let answer = null;
    try {
      const response = await fetch(dialog.dataset.extendUrl, {
        method: "POST", headers: { "X-CSRFToken": token, Accept: "application/json" }, credentials: "same-origin",
      });
      if ((response.headers.get("Content-Type") || "").includes("json")) answer = await response.json();
    } catch (error) { answer = null; }
    close();
    if (answer && answer.until) {
      document.querySelectorAll("[data-session-until]").forEach((node) => { node.textContent = answer.until; });
      status.textContent = `Votre session est prolongée jusqu'à ${answer.until}.`;
      schedule(answer.seconds_left);
    } else {
      status.textContent = (answer && answer.message) || "La prolongation n'a pas pu être faite. Réessayez.";
    }
  }
  extendButton.addEventListener("click", extend);
  dialog.addEventListener("cancel", (event) => {
    if (!extendButton.hidden) { event.preventDefault(); extend(); }
  });
  document.addEventListener("moncompte:captcha-renewed", (event) => {
    if (!dialog.dataset.extendUrl) { text.textContent = warning; schedule(event.detail); }
  });
  schedule(Number(dialog.dataset.secondsLeft));
}

// Show / hide a personal code (R-PW8). Pasting stays allowed.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-toggle-password]");
  if (!toggle) return;
  const input = document.getElementById(toggle.dataset.togglePassword);
  const show = input.type === "password";
  input.type = show ? "text" : "password";
  // The button says what it will do (« Afficher le code » / « Masquer le code »), seen and heard alike; no
  // aria-pressed on top of a name that changes, which would say the state twice.
  if (!toggle.dataset.showLabel) toggle.dataset.showLabel = toggle.textContent;
  toggle.textContent = show ? toggle.dataset.hideLabel : toggle.dataset.showLabel;
});

// R-PW7: the checklist of R-PW1..3 and the "Niveau indicatif de sécurité" update as the person types.
document.addEventListener("DOMContentLoaded", () => {
  const rules = document.querySelector("[data-password-rules]");
  if (!rules) return;
  const input = document.getElementById("id_password");
  const meter = document.querySelector("[data-meter]");
  const specials = "?!$€£@&(-+_)=*%/<>,.;";
  const allowed = (c) => /[a-zA-Z0-9]/.test(c) || specials.includes(c);
  const userInputs = (rules.dataset.userInputs || "").split("|").filter(Boolean);
  const colours = ["#b00020", "#c2410c", "#a16207", "#15803d", "#166534"];
  const checks = {
    length: (p) => Array.from(p).length >= Number(rules.dataset.minLength) && Array.from(p).length <= Number(rules.dataset.maxLength),
    cases: (p) => /[a-z]/.test(p) && /[A-Z]/.test(p),
    digit_or_special: (p) => /[0-9]/.test(p) || Array.from(p).some((c) => specials.includes(c)),
    allowed: (p) => p.length > 0 && Array.from(p).every(allowed),
    common: (p) => p.length > 0 && window.moncompteStrength.isLoaded() && !window.moncompteStrength.isCommon(p),
  };
  fetch(rules.dataset.wordsUrl).then((r) => r.json()).then((lists) => {
    window.moncompteStrength.load(lists);
    update();
  });
  function update() {
    const value = input.value;
    // After a refusal the fields come back empty and the refused rules marked: kept until the person types.
    if (value) {
      for (const item of rules.querySelectorAll("li.refused")) {
        item.classList.remove("refused");
        const onSend = item.querySelector("[data-checked-on-send]");
        if (onSend) onSend.textContent = " (vérifié à l'envoi)";
      }
    }
    for (const [name, check] of Object.entries(checks)) {
      const item = rules.querySelector(`[data-rule="${name}"]`);
      if (item.classList.contains("refused")) continue;
      const ok = check(value);
      item.classList.toggle("ok", ok);
      item.querySelector("[data-rule-state]").textContent = value ? (ok ? " (respectée)" : " (non respectée)") : "";
    }
    announce(value);
    if (!window.moncompteStrength || !window.moncompteStrength.isLoaded()) return;
    meter.hidden = value.length === 0;
    const result = window.moncompteStrength.estimate(value, userInputs);
    meter.querySelector("[data-meter-text]").textContent = result.label;
    const bar = meter.querySelector("[data-meter-bar]");
    bar.style.width = `${(result.score + 1) * 20}%`;
    bar.style.background = colours[result.score];
    meter.querySelector("[data-meter-warning]").textContent = result.warning;
  }
  input.addEventListener("input", update);

  // A polite summary, debounced: screen readers hear the level when the person pauses, not at every key.
  const status = document.querySelector("[data-strength-status]");
  let pending = null;
  function announce(value) {
    clearTimeout(pending);
    pending = setTimeout(() => {
      if (!value) { status.textContent = ""; return; }
      const met = rules.querySelectorAll("li.ok").length;
      const total = rules.querySelectorAll("li[data-rule]").length;
      const level = window.moncompteStrength && window.moncompteStrength.isLoaded()
        ? `Niveau indicatif de sécurité : ${window.moncompteStrength.estimate(value, userInputs).label}. ` : "";
      status.textContent = `${level}${met} règles respectées sur ${total}.`;
    }, 900);
  }
});

// R-CT4: a consent question about a number appears once that number is typed.
document.addEventListener("DOMContentLoaded", () => {
  for (const group of document.querySelectorAll("[data-consent-group]")) {
    const number = document.getElementById(`id_${group.dataset.consentGroup}`);
    const sync = () => { group.hidden = number.value.trim() === ""; };
    number.addEventListener("input", sync);
    sync();
  }
});

// R-CAP6: the invisible proof of work (ALTCHA protocol). The page carries a signed work challenge made for its
// CAPTCHA challenge; the browser finds the number n for which SHA-256(salt + n) is the challenge, in Web
// Workers (work.js; in the page if workers cannot run), and the form sends it. "Nouveau code anti-robot" brings
// a new work challenge with the new CAPTCHA challenge, and the search starts again. Without JavaScript the
// field stays empty and the server applies stricter limits.
const work = { generation: 0, solution: Promise.resolve(""), stop: () => {} };

function workStart(field) {
  work.stop();
  const generation = ++work.generation;
  field.value = "";
  if (!field.dataset.workChallenge) { work.solution = Promise.resolve(""); return; }
  const challenge = JSON.parse(field.dataset.workChallenge);
  const stale = () => generation !== work.generation;
  const search = window.Worker && field.dataset.workScript
    ? workInWorkers(challenge, field.dataset.workScript, stale) : workInPage(challenge, stale);
  work.solution = search.then((number) => {
    if (stale() || number < 0) return "";
    const { algorithm, salt, signature } = challenge;
    field.value = btoa(JSON.stringify({ algorithm, challenge: challenge.challenge, number, salt, signature }));
    return field.value;
  });
}

// The numbers shared between a few workers (one per core, at most 4); the first to find it stops the others.
function workInWorkers(challenge, script, stale) {
  const count = Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 4));
  const workers = [];
  work.stop = () => workers.forEach((worker) => worker.terminate());
  return new Promise((resolve) => {
    let left = count;
    let settled = false;
    const settle = (outcome) => {
      if (settled) return;
      settled = true;
      workers.forEach((worker) => worker.terminate());
      resolve(outcome);
    };
    const fallBack = () => settle(workInPage(challenge, stale));
    const { salt, maxNumber } = challenge;
    try {
      for (let i = 0; i < count; i++) {
        const worker = new Worker(script);
        workers.push(worker);
        worker.onmessage = (event) => { if (event.data.number >= 0 || --left === 0) settle(event.data.number); };
        worker.onerror = fallBack;
        worker.postMessage({ salt, challenge: challenge.challenge, start: i, step: count, max: maxNumber });
      }
    } catch (error) { fallBack(); }
  });
}

// Without workers: crypto.subtle, a batch of numbers at a time (slower, but the page still answers).
async function workInPage(challenge, stale) {
  if (!window.crypto || !window.crypto.subtle) return -1;
  const target = new Uint8Array(challenge.challenge.match(/../g).map((h) => parseInt(h, 16)));
  const encoder = new TextEncoder();
  const same = (buffer) => new Uint8Array(buffer).every((byte, i) => byte === target[i]);
  const batch = 500;
  for (let start = 0; start <= challenge.maxNumber && !stale(); start += batch) {
    const numbers = [];
    for (let n = start; n < start + batch && n <= challenge.maxNumber; n++) numbers.push(n);
    const digests = await Promise.all(
      numbers.map((n) => crypto.subtle.digest("SHA-256", encoder.encode(challenge.salt + n))),
    );
    const found = digests.findIndex(same);
    if (found >= 0) return numbers[found];
  }
  return -1;
}

document.addEventListener("DOMContentLoaded", () => {
  const field = document.querySelector("[data-captcha-work]");
  if (!field) return;
  workStart(field);
  const form = field.closest("form");
  let waited = false;
  form.addEventListener("submit", (event) => {
    const submitter = event.submitter;
    if (waited || field.value || (submitter && submitter.name === "action")) return;
    event.preventDefault();
    waited = true;
    // A person rarely types faster than the proof is found; if so, wait for it (never more than 10 s).
    const timeout = new Promise((resolve) => setTimeout(resolve, 10000));
    Promise.race([work.solution, timeout]).then(() => form.requestSubmit(submitter || undefined));
  });
});

// Progressive enhancements only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // R-A11Y1: the error summary takes the focus so screen readers announce it first.
  const summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();

  // "Nouveau code" without reloading the page (the button still submits when JavaScript is off).
  const refresh = document.querySelector("[data-captcha-refresh]");
  if (refresh) {
    refresh.addEventListener("click", async (event) => {
      event.preventDefault();
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
      const answer = form.querySelector("input[name=captcha_answer]");
      answer.value = "";
      answer.focus();
    });
  }
});

// The API's documentation page (moncompte/api/docs.py): names what Swagger UI draws without one, as it draws
// it (R-A11Y4): the list of examples of a request, and each operation's table of answers.
"use strict";
(function () {
  function name(root) {
    root.querySelectorAll(".examples-select-element:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", "Exemple");
    });
    root.querySelectorAll("table.responses-table[role=region]:not([aria-label])").forEach(function (table) {
      var block = table.closest(".opblock");
      var path = block && block.querySelector(".opblock-summary-path");
      var method = block && block.querySelector(".opblock-summary-method");
      var operation = (method ? method.textContent + " " : "") + (path ? path.textContent : table.id);
      table.setAttribute("aria-label", "Réponses de " + operation.replace(/\u200b/g, ""));
    });
  }
  new MutationObserver(function () { name(document); }).observe(document.body, { childList: true, subtree: true });
})();

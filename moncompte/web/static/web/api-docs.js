// The API's documentation page (moncompte/api/docs.py), as Swagger UI draws it (R-A11Y4): names what it draws
// without one (the list of examples of a request, each operation's table of answers, the request body being
// edited, the copy buttons), and says in French the
// words of its own controls, which it only knows in English (it has no translations of its own).
"use strict";
(function () {
  var WORDS = {
    "Try it out": "Essayer",
    "Cancel": "Annuler",
    "Execute": "Exécuter",
    "Clear": "Effacer",
    "Reset": "Rétablir",
    "Parameters": "Paramètres",
    "No parameters": "Aucun paramètre",
    "Name": "Nom",
    "Request body": "Corps de la requête",
    "Responses": "Réponses",
    "Response body": "Corps de la réponse",
    "Response headers": "En-têtes de la réponse",
    "Server response": "Réponse du serveur",
    "Request URL": "Adresse de la requête",
    "Details": "Détails",
    "Links": "Liens",
    "No links": "Aucun lien",
    "Media type": "Type de contenu",
    "Media Type": "Type de contenu",
    "Request content type": "Type de contenu de la requête",
    "Controls": "Choisit l'en-tête",
    "header.": "de la réponse.",
    "Example Value": "Exemple",
    "Example Description": "Description de l'exemple",
    "Examples:": "Exemples :",
    "Schema": "Schéma",
    "Schemas": "Schémas",
    "Edit Value": "Modifier",
    "Download": "Télécharger",
    "Expand all": "Tout déplier",
    "Collapse all": "Tout replier",
    "Authorize": "S'authentifier",
    "Authorized": "Authentifié",
    "Available authorizations": "Authentifications possibles",
    "Logout": "Se déconnecter",
    "Close": "Fermer",
    "Value:": "Valeur :",
    "required": "obligatoire",
    "Undocumented": "Non documentée",
    "Send empty value": "Envoyer une valeur vide",
    "Loading...": "Chargement…",
    "Copy to clipboard": "Copier",
    "authorization button unlocked": "S'authentifier (aucun jeton donné)",
    "authorization button locked": "S'authentifier (un jeton est donné)"
  };
  var ATTRIBUTES = ["aria-label", "title", "placeholder"];

  function said(text) {
    var bare = text.trim();
    if (Object.prototype.hasOwnProperty.call(WORDS, bare)) return text.replace(bare, WORDS[bare]);
    if (bare.indexOf("Error: ") === 0) return text.replace("Error: ", "Erreur : ");
    return null;
  }

  function translate(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) {
      if (node.parentNode && node.parentNode.closest && node.parentNode.closest("pre, code, textarea, .model-box")) continue;
      var french = said(node.nodeValue);
      if (french !== null && french !== node.nodeValue) node.nodeValue = french;
    }
    ATTRIBUTES.forEach(function (attribute) {
      root.querySelectorAll("[" + attribute + "]").forEach(function (element) {
        var french = said(element.getAttribute(attribute));
        if (french !== null) element.setAttribute(attribute, french);
      });
    });
  }

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
    root.querySelectorAll(".copy-to-clipboard > button:not([aria-label])").forEach(function (button) {
      button.setAttribute("aria-label", "Copier");
    });
    root.querySelectorAll(".body-param textarea:not([aria-label])").forEach(function (editor) {
      editor.setAttribute("aria-label", "Corps de la requête (JSON)");
    });
  }

  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    // Once per frame, after Swagger UI has drawn: its own changes and ours come as one batch.
    window.requestAnimationFrame(function () {
      pending = false;
      name(document);
      translate(document.getElementById("swagger-ui") || document.body);
    });
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
})();

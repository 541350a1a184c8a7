// Behaviour shared by every page. No inline scripts: the Content-Security-Policy allows only nonce'd files.
(function () {
  "use strict";
  // A button with data-confirm asks before submitting its form.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // "Voir les données" toggles for charts: the table is in the page, the button shows or hides it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-toggle-target]");
    if (!button) { return; }
    var panel = document.getElementById(button.getAttribute("data-toggle-target"));
    if (!panel) { return; }
    var expanded = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", expanded ? "false" : "true");
    panel.hidden = expanded;
  });
})();

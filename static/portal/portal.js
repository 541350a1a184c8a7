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
  // A table wider than the screen scrolls inside its container: keyboard users must reach that scroll (RGAA 7.3),
  // so the container becomes a focusable, labelled region.
  function makeScrollableTablesFocusable(root) {
    root.querySelectorAll(".fr-table__container, .portal-table-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption ? caption.textContent.trim() : "Tableau défilant");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { makeScrollableTablesFocusable(document); });
  document.addEventListener("htmx:afterSettle", function (event) { makeScrollableTablesFocusable(event.target); });
})();

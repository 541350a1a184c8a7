// A small rich-text editor for campaign texts: a toolbar over a contenteditable area that writes its HTML back
// into the original textarea (which stays the form field, and the fallback without JavaScript). The server keeps
// only a safe subset of HTML (nh3), whatever is sent.
(function () {
  "use strict";
  var COMMANDS = [
    ["bold", "Gras"],
    ["italic", "Italique"],
    ["insertUnorderedList", "Liste à puces"],
    ["insertOrderedList", "Liste numérotée"],
    ["formatBlock:h3", "Intertitre"],
    ["formatBlock:p", "Paragraphe"],
    ["createLink", "Lien"],
  ];

  function enhance(textarea) {
    var wrapper = document.createElement("div");
    wrapper.className = "portal-richtext-editor";
    var toolbar = document.createElement("div");
    toolbar.className = "fr-btns-group fr-btns-group--inline fr-btns-group--sm portal-richtext-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Mise en forme : " + (textarea.labels[0] ? textarea.labels[0].textContent.trim() : ""));
    var area = document.createElement("div");
    area.className = "fr-input portal-richtext-area";
    area.contentEditable = "true";
    area.style.minHeight = "12rem";
    area.style.height = "auto";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    if (textarea.labels[0]) {
      textarea.labels[0].id = textarea.labels[0].id || textarea.id + "-label";
      area.setAttribute("aria-labelledby", textarea.labels[0].id);
      textarea.labels[0].addEventListener("click", function () { area.focus(); });
    }
    area.innerHTML = textarea.value;
    COMMANDS.forEach(function (pair) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "fr-btn fr-btn--tertiary fr-btn--sm";
      button.textContent = pair[1];
      button.addEventListener("click", function () {
        var parts = pair[0].split(":");
        var value = parts[1] || null;
        if (parts[0] === "createLink") {
          value = window.prompt("Adresse du lien (https://…)");
          if (!value) { return; }
        }
        area.focus();
        document.execCommand(parts[0], false, value);
        textarea.value = area.innerHTML;
      });
      toolbar.appendChild(button);
    });
    area.addEventListener("input", function () { textarea.value = area.innerHTML; });
    textarea.hidden = true;
    textarea.parentNode.insertBefore(wrapper, textarea);
    wrapper.appendChild(toolbar);
    wrapper.appendChild(area);
  }

  document.querySelectorAll("textarea[data-richtext]").forEach(enhance);
})();

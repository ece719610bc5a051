/* The composer's tool-server panel: the plug button opens it; the type chooses which
   fields of the add form show. The forms themselves go over the chat's websocket. */
(function () {
  "use strict";

  function dialog() { return document.getElementById("mcp-dialog"); }

  function syncType() {
    var select = document.querySelector("[data-mcp-type]");
    if (!select) return;
    document.querySelectorAll("[data-mcp-for]").forEach(function (part) {
      var shown = part.dataset.mcpFor.split(" ").indexOf(select.value) >= 0;
      part.hidden = !shown;
      part.querySelectorAll("input, select, textarea").forEach(function (f) { f.disabled = !shown; });
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    if (target.closest("[data-mcp-open]")) {
      var box = dialog();
      if (box && !box.open) {
        box.showModal();
        syncType();
        var first = box.querySelector("#mcp-name") || box.querySelector("button");
        if (first) first.focus();
      }
      return;
    }
    if (target.closest("[data-mcp-close]")) {
      var open = dialog();
      if (open && open.open) open.close();
      var opener = document.getElementById("mcp-open");
      if (opener) opener.focus();
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-mcp-type]")) syncType();
  });

  // A pushed panel is new markup: its add form shows the fields of its chosen type.
  document.addEventListener("htmx:wsAfterMessage", syncType);
})();

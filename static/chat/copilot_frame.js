/* The copilot panel's side of its line to the host page: what the assistant sends
   (window messages, function calls) is posted to the host page's origin only, and only
   messages from that origin and from the parent window are taken in. */
(function () {
  "use strict";
  var chat = document.querySelector(".chat.copilot");
  // The sign-in token is spent: out of the frame's address and history.
  if (chat && new URLSearchParams(window.location.search).has("token")) {
    window.history.replaceState(null, "", chat.dataset.loginUrl);
  }
  if (!chat || window.parent === window) return;
  var host = chat.dataset.hostOrigin;

  function toHost(message) {
    message.source = "chat-copilot";
    window.parent.postMessage(message, host);
  }

  // The assistant's calls and messages arrive as templates appended to the outbox.
  function drain() {
    var outbox = document.getElementById("copilot-outbox");
    if (!outbox) return;
    outbox.querySelectorAll("template[data-kind]").forEach(function (item) {
      var payload = null;
      try { payload = JSON.parse(item.dataset.payload); } catch (error) { payload = null; }
      var kind = item.dataset.kind;
      item.remove();
      if (!payload) return;
      if (kind === "call") {
        toHost({ kind: "call", call: payload.call, name: payload.name, args: payload.args });
      } else if (kind === "window") {
        toHost({ kind: "window", data: payload.data });
      }
    });
  }
  document.addEventListener("htmx:wsAfterMessage", drain);

  function submit(id, fields) {
    var form = document.getElementById(id);
    Object.keys(fields).forEach(function (name) {
      form.querySelector('input[name="' + name + '"]').value = fields[name];
    });
    form.requestSubmit();
  }

  function json(value) { return JSON.stringify(value === undefined ? null : value); }

  window.addEventListener("message", function (event) {
    if (event.origin !== host || event.source !== window.parent) return;
    var message = event.data;
    if (!message || message.source !== "chat-copilot-host") return;
    if (message.kind === "layout") {
      shown = { displayMode: message.displayMode, expanded: !!message.expanded };
      if (controls) showLayout();
    } else if (message.kind === "result" && typeof message.call === "string") {
      submit("copilot-result", { call: message.call, result: json(message.result) });
    } else if (message.kind === "window") {
      submit("copilot-window-message", { data: json(message.data) });
    }
  });

  // The layout buttons ask the host page, which lays the panel out and says how it is.
  var controls = document.getElementById("copilot-layout");
  var shown = { displayMode: "floating", expanded: false };
  function showLayout() {
    var docked = shown.displayMode === "sidebar";
    var expand = controls.querySelector('[data-layout="expand"]');
    expand.hidden = docked;
    expand.setAttribute("aria-pressed", shown.expanded && !docked ? "true" : "false");
    controls.querySelector('[data-layout="dock"]').setAttribute("aria-pressed", docked ? "true" : "false");
  }
  if (controls) {
    controls.hidden = false;
    controls.addEventListener("click", function (event) {
      var button = event.target.closest("[data-layout]");
      if (!button) return;
      var action = button.dataset.layout;
      if (action === "close") toHost({ kind: "close" });
      else if (action === "dock") {
        toHost({ kind: "layout", displayMode: shown.displayMode === "sidebar" ? "floating" : "sidebar" });
      } else toHost({ kind: "layout", expanded: !shown.expanded });
    });
    showLayout();
  }

  // The host page holds what it posts until the panel can take it.
  document.addEventListener("htmx:wsOpen", function () {
    toHost({ kind: "ready", resizeLabel: chat.dataset.resizeLabel || "" });
  });
})();

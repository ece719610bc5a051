/* The copilot widget. One line on any page of the company opens the assistant in a
   floating panel:

     <script src="https://chat.example.com/copilot.js" data-token="…" defer></script>

   data-token: a sign-in token from the page's backend (else the site's session is used);
   data-label: the button's text; data-open="true": open at once.

   The page talks to the assistant with:
     ChatCopilot.onFunction("name", function (args) { return result; })   // CopilotFunction
     ChatCopilot.onWindowMessage(function (data) { ... })                  // cl.send_window_message
     ChatCopilot.sendWindowMessage(data)                                   // @cl.on_window_message
   and, as in Chainlit, window.addEventListener("chainlit-call-fn", e => e.detail.callback(...)).
   Messages are taken only from the panel's frame and origin, and sent to that origin only. */
(function () {
  "use strict";
  if (window.ChatCopilot) return;
  var script = document.currentScript;
  var chatOrigin = new URL(script.src, window.location.href).origin;
  var options = script.dataset;
  var panel = null;
  var frame = null;
  var button = null;
  var ready = false;
  var queue = [];
  var functions = {};
  var listeners = [];

  function style(element, rules) {
    Object.keys(rules).forEach(function (name) { element.style[name] = rules[name]; });
  }

  function post(message) {
    message.source = "chat-copilot-host";
    if (ready) frame.contentWindow.postMessage(message, chatOrigin);
    else queue.push(message);
  }

  function build() {
    panel = document.createElement("div");
    panel.id = "chat-copilot-panel";
    style(panel, {
      position: "fixed", right: "24px", bottom: "84px", width: "400px", height: "600px",
      maxWidth: "calc(100vw - 48px)", maxHeight: "calc(100vh - 120px)", display: "none",
      borderRadius: "12px", overflow: "hidden", boxShadow: "0 8px 32px rgba(0,0,0,.25)",
      background: "#fff", zIndex: "2147483000"
    });
    frame = document.createElement("iframe");
    frame.id = "chat-copilot-frame";
    frame.title = options.title || "Assistant";
    // The panel's microphone, when its assistant listens: a frame of another site gets
    // it only when its host delegates it (the browser still asks the person).
    frame.allow = "microphone";
    var params = new URLSearchParams({ host: window.location.origin });
    if (options.token) params.set("token", options.token);
    frame.src = chatOrigin + "/copilot/?" + params.toString();
    style(frame, { width: "100%", height: "100%", border: "0" });
    panel.appendChild(frame);
    document.body.appendChild(panel);
  }

  function open() {
    if (!panel) build();
    panel.style.display = "block";
    button.setAttribute("aria-expanded", "true");
  }

  function close() {
    if (panel) panel.style.display = "none";
    button.setAttribute("aria-expanded", "false");
  }

  function toggle() {
    if (!panel || panel.style.display === "none") open(); else close();
  }

  function onCall(message) {
    var settled = false;
    function callback(result) {
      if (settled) return;
      settled = true;
      post({ kind: "result", call: message.call, result: result });
    }
    var handler = functions[message.name];
    if (handler) {
      Promise.resolve()
        .then(function () { return handler(message.args || {}); })
        .then(callback, function (error) { callback({ error: String((error && error.message) || error) }); });
    }
    window.dispatchEvent(new CustomEvent("chainlit-call-fn", {
      detail: { name: message.name, args: message.args || {}, callback: callback }
    }));
  }

  window.addEventListener("message", function (event) {
    if (!frame || event.origin !== chatOrigin || event.source !== frame.contentWindow) return;
    var message = event.data;
    if (!message || message.source !== "chat-copilot") return;
    if (message.kind === "ready") {
      ready = true;
      queue.splice(0).forEach(function (held) { frame.contentWindow.postMessage(held, chatOrigin); });
    } else if (message.kind === "call" && typeof message.call === "string") {
      onCall(message);
    } else if (message.kind === "window") {
      listeners.forEach(function (listener) { listener(message.data); });
      window.dispatchEvent(new CustomEvent("chat-copilot-message", { detail: message.data }));
    }
  });

  function mount() {
    button = document.createElement("button");
    button.type = "button";
    button.id = "chat-copilot-button";
    button.textContent = options.label || "Ask the assistant";
    button.setAttribute("aria-controls", "chat-copilot-panel");
    button.setAttribute("aria-expanded", "false");
    style(button, {
      position: "fixed", right: "24px", bottom: "24px", zIndex: "2147483000",
      padding: "12px 18px", borderRadius: "24px", border: "0", cursor: "pointer",
      background: "#2563eb", color: "#fff", font: "600 14px system-ui, sans-serif",
      boxShadow: "0 4px 16px rgba(0,0,0,.2)"
    });
    button.addEventListener("click", toggle);
    document.body.appendChild(button);
    if (options.open === "true") open();
  }

  window.ChatCopilot = {
    open: open,
    close: close,
    toggle: toggle,
    onFunction: function (name, handler) { functions[name] = handler; },
    onWindowMessage: function (listener) { listeners.push(listener); },
    sendWindowMessage: function (data) {
      if (!panel) build();
      post({ kind: "window", data: data });
    }
  };
  window.toggleChainlitCopilot = toggle; // Chainlit's name for it

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();

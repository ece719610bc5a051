/* The copilot widget. One line on any page of the company opens the assistant in a
   floating panel:

     <script src="https://chat.example.com/copilot.js" data-token="…" defer></script>

   data-token: a sign-in token from the page's backend (else the site's session is used);
   data-label: the button's text; data-open="true": open at once;
   data-display-mode: "floating" (default) or "sidebar" (docked to the page's right side,
   resized by dragging its edge or with the arrow keys; the width is kept in this browser);
   data-expanded="true": the floating panel starts large;
   data-theme: "light", "dark" or "system"; data-language: e.g. "de".

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

  // Chainlit's widget options: displayMode "floating" or "sidebar", expanded, theme
  // ("light", "dark" or "system"), language.
  var KEPT_MODE = "chat-copilot-display-mode";
  var KEPT_WIDTH = "chat-copilot-sidebar-width";
  var MIN_WIDTH = 300;
  var DEFAULT_WIDTH = 400;
  var STEP = 16;
  var NARROW = 600; // below this the docked panel takes the whole width
  var mode = options.displayMode === "sidebar" || options.displayMode === "floating"
    ? options.displayMode : (kept(KEPT_MODE) === "sidebar" ? "sidebar" : "floating");
  var expanded = options.expanded === "true";
  var width = Number(kept(KEPT_WIDTH)) || DEFAULT_WIDTH;
  var handle = null;
  var bodyMargin = null;

  function kept(key) {
    try { return window.localStorage.getItem(key); } catch (ignored) { return null; }
  }

  function keep(key, value) {
    try { window.localStorage.setItem(key, String(value)); } catch (ignored) { /* private mode */ }
  }

  function style(element, rules) {
    Object.keys(rules).forEach(function (name) { element.style[name] = rules[name]; });
  }

  function dark() {
    if (options.theme === "dark" || options.theme === "light") return options.theme === "dark";
    return !!(window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
  }

  function post(message) {
    message.source = "chat-copilot-host";
    if (ready) frame.contentWindow.postMessage(message, chatOrigin);
    else queue.push(message);
  }

  function isOpen() { return !!panel && panel.style.display !== "none"; }

  function maxWidth() { return Math.max(MIN_WIDTH, Math.floor(window.innerWidth / 2)); }

  function clampWidth(value) { return Math.round(Math.min(maxWidth(), Math.max(MIN_WIDTH, value))); }

  function layout() {
    if (!panel) return;
    var narrow = window.innerWidth < NARROW;
    var docked = mode === "sidebar";
    panel.dataset.displayMode = mode;
    panel.dataset.expanded = expanded && !docked ? "true" : "false";
    if (docked) {
      var shown = narrow ? window.innerWidth : clampWidth(width);
      style(panel, {
        top: "0", right: "0", bottom: "auto", width: shown + "px", height: "100vh",
        maxWidth: "100vw", maxHeight: "100vh", borderRadius: "0",
        boxShadow: "-2px 0 16px rgba(0,0,0,.2)"
      });
      handle.hidden = narrow;
      handle.setAttribute("aria-valuenow", String(shown));
      handle.setAttribute("aria-valuemax", String(maxWidth()));
      // The page moves aside for the docked panel rather than being covered by it.
      if (bodyMargin === null) bodyMargin = document.body.style.marginRight;
      document.body.style.marginRight = isOpen() && !narrow ? shown + "px" : bodyMargin;
    } else {
      var big = expanded;
      style(panel, {
        top: "auto", right: narrow ? "8px" : "24px", bottom: "84px",
        width: big ? "min(1100px, calc(100vw - 48px))" : "400px",
        height: big ? "calc(100vh - 120px)" : "600px",
        maxWidth: narrow ? "calc(100vw - 16px)" : "calc(100vw - 48px)",
        maxHeight: "calc(100vh - 120px)", borderRadius: "12px",
        boxShadow: "0 8px 32px rgba(0,0,0,.25)"
      });
      handle.hidden = true;
      if (bodyMargin !== null) document.body.style.marginRight = bodyMargin;
    }
    if (button) button.style.display = docked && isOpen() ? "none" : "";
    if (frame && ready) post({ kind: "layout", displayMode: mode, expanded: expanded });
  }

  function resizeTo(value) {
    width = clampWidth(value);
    keep(KEPT_WIDTH, width);
    layout();
  }

  function buildHandle() {
    handle = document.createElement("div");
    handle.id = "chat-copilot-resize";
    handle.tabIndex = 0;
    handle.setAttribute("role", "separator");
    handle.setAttribute("aria-orientation", "vertical");
    handle.setAttribute("aria-controls", "chat-copilot-panel");
    handle.setAttribute("aria-valuemin", String(MIN_WIDTH));
    handle.setAttribute("aria-label", "Resize the assistant"); // replaced by the panel's words
    handle.hidden = true;
    style(handle, {
      position: "absolute", top: "0", left: "0", width: "8px", height: "100%",
      cursor: "col-resize", zIndex: "1", outline: "none", touchAction: "none"
    });
    // The edge shows where to grab it, and (solid) that it has the keyboard's focus: its
    // own mark in place of an outline, which the frame beside it would hide.
    var hovered = false;
    function paint() {
      var focused = document.activeElement === handle;
      handle.style.background = focused ? "#4f46e5" : hovered ? "rgba(79,70,229,.45)" : "transparent";
    }
    handle.addEventListener("focus", paint);
    handle.addEventListener("blur", paint);
    handle.addEventListener("pointerenter", function () { hovered = true; paint(); });
    handle.addEventListener("pointerleave", function () { hovered = false; paint(); });
    handle.addEventListener("keydown", function (event) {
      // The panel sits on the right: the left arrow widens it.
      var moves = { ArrowLeft: STEP, ArrowRight: -STEP, ArrowUp: STEP, ArrowDown: -STEP };
      if (event.key in moves) resizeTo(panel.offsetWidth + moves[event.key]);
      else if (event.key === "Home") resizeTo(MIN_WIDTH);
      else if (event.key === "End") resizeTo(maxWidth());
      else return;
      event.preventDefault();
    });
    handle.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      handle.setPointerCapture(event.pointerId);
      // The frame would swallow the pointer while it is dragged over.
      frame.style.pointerEvents = "none";
      document.body.style.userSelect = "none";
    });
    handle.addEventListener("pointermove", function (event) {
      if (!handle.hasPointerCapture(event.pointerId)) return;
      resizeTo(window.innerWidth - event.clientX);
    });
    function stop(event) {
      if (handle.hasPointerCapture(event.pointerId)) handle.releasePointerCapture(event.pointerId);
      frame.style.pointerEvents = "";
      document.body.style.userSelect = "";
    }
    handle.addEventListener("pointerup", stop);
    handle.addEventListener("pointercancel", stop);
    panel.appendChild(handle);
  }

  function build() {
    panel = document.createElement("div");
    panel.id = "chat-copilot-panel";
    style(panel, {
      position: "fixed", display: "none", overflow: "hidden",
      background: dark() ? "#0f1115" : "#fff", zIndex: "2147483000"
    });
    frame = document.createElement("iframe");
    frame.id = "chat-copilot-frame";
    frame.title = options.title || "Assistant";
    // The panel's microphone, when its assistant listens: a frame of another site gets
    // it only when its host delegates it (the browser still asks the person).
    frame.allow = "microphone";
    var params = new URLSearchParams({ host: window.location.origin });
    if (options.token) params.set("token", options.token);
    if (options.theme) params.set("theme", options.theme);
    if (options.language) params.set("lang", options.language);
    frame.src = chatOrigin + "/copilot/?" + params.toString();
    style(frame, { width: "100%", height: "100%", border: "0", display: "block" });
    panel.appendChild(frame);
    buildHandle();
    document.body.appendChild(panel);
    window.addEventListener("resize", layout);
  }

  function open() {
    if (!panel) build();
    panel.style.display = "block";
    button.setAttribute("aria-expanded", "true");
    layout();
  }

  function close() {
    if (panel) panel.style.display = "none";
    button.setAttribute("aria-expanded", "false");
    layout();
    button.focus();
  }

  function toggle() {
    if (!isOpen()) open(); else close();
  }

  function setLayout(message) {
    if (message.displayMode === "sidebar" || message.displayMode === "floating") {
      mode = message.displayMode;
      keep(KEPT_MODE, mode);
    }
    if (typeof message.expanded === "boolean") expanded = message.expanded;
    layout();
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
      if (typeof message.resizeLabel === "string") handle.setAttribute("aria-label", message.resizeLabel);
      queue.splice(0).forEach(function (held) { frame.contentWindow.postMessage(held, chatOrigin); });
      layout();
    } else if (message.kind === "layout") {
      setLayout(message);
    } else if (message.kind === "close") {
      close();
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
      background: "#4f46e5", color: "#fff", font: "600 14px system-ui, sans-serif",
      boxShadow: "0 4px 16px rgba(0,0,0,.2)"
    });
    if (dark()) style(button, { background: "#818cf8", color: "#0b0d12" });
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

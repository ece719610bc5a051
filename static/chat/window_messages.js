/* The chat page's window messages, as a Chainlit app has them when a page embeds it in an
   iframe: what the assistant sends (cl.send_window_message) is posted to the framing
   page, and what that page posts reaches @cl.on_window_message. Only a parent of our own
   origin or of CHAT_FRAME_ANCESTORS is talked to; not framed, the messages are dropped. */
(function () {
  "use strict";
  var line = document.getElementById("window-line");
  if (!line) return;
  var allowed = (line.dataset.frameOrigins || "").split(" ").filter(Boolean);
  allowed.push(window.location.origin);

  function parentOrigin() {
    if (window.parent === window) return null;
    var ancestors = window.location.ancestorOrigins;
    if (ancestors && ancestors.length) return ancestors[0];
    try { return new URL(document.referrer).origin; } catch (error) { return null; }
  }
  var host = parentOrigin();
  if (host && allowed.indexOf(host) < 0) host = null;

  // The assistant's messages arrive as templates appended to the outbox.
  function drain() {
    var outbox = document.getElementById("copilot-outbox");
    if (!outbox) return;
    outbox.querySelectorAll("template[data-kind]").forEach(function (item) {
      var payload = null;
      try { payload = JSON.parse(item.dataset.payload); } catch (error) { payload = null; }
      var kind = item.dataset.kind;
      item.remove();
      if (host && payload && kind === "window") window.parent.postMessage(payload.data, host);
    });
  }
  document.addEventListener("htmx:wsAfterMessage", drain);

  if (!host) return;
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== host) return;
    var form = document.getElementById("window-message");
    var data = JSON.stringify(event.data === undefined ? null : event.data);
    form.querySelector('input[name="data"]').value = data;
    form.requestSubmit();
  });
})();

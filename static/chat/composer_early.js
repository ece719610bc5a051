/* Loaded in the page's head, before anything else runs: Enter in the composer never
   inserts a line, however soon after the page appears a person types. Until the chat's
   socket is open (chat.js calls chatComposerReady), Enter and Send only mark the message
   as waiting; chat.js sends it, once, when the socket opens. No framework. */
(function () {
  "use strict";
  var ready = false;
  window.chatComposerPending = false;
  window.chatComposerReady = function () { ready = true; };

  function waiting(event) {
    event.preventDefault();
    event.stopImmediatePropagation();
    var box = document.getElementById("message-input");
    if (box && box.value.trim()) window.chatComposerPending = true;
  }

  document.addEventListener("keydown", function (event) {
    if (ready || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (event.target && event.target.id === "message-input") waiting(event);
  }, true);

  // The form would otherwise be sent the old way, as a page load, before htmx takes it.
  document.addEventListener("submit", function (event) {
    if (!ready && event.target && event.target.id === "composer") waiting(event);
  }, true);
})();

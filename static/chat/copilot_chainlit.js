/* Chainlit's copilot embed, as an alias of this product's widget (copilot.js):

     <script src="https://chat.example.com/copilot/index.js"></script>
     <script>
       window.mountChainlitWidget({
         chainlitServer: "https://chat.example.com",
         accessToken: "…",               // a token from copilot_token / tokens.issue
         button: { label: "Ask" },       // optional
         displayMode: "sidebar",         // or "floating" (the default)
         expanded: false,                // the floating panel starts large
         theme: "dark",                  // "light", "dark" or "system"
         language: "de",
       });
     </script>

   The host page then talks to the assistant as Chainlit's does: the "chainlit-call-fn"
   event for CopilotFunction, window.toggleChainlitCopilot(), and window.sendChainlitMessage
   for a window message. */
(function () {
  "use strict";
  if (window.mountChainlitWidget) return;
  var own = document.currentScript && document.currentScript.src;
  var defaultServer = own ? new URL(own, window.location.href).origin : window.location.origin;

  window.mountChainlitWidget = function (config) {
    config = config || {};
    if (window.ChatCopilot || document.getElementById("chat-copilot-widget")) return;
    var server = String(config.chainlitServer || defaultServer).replace(/\/+$/, "");
    var script = document.createElement("script");
    script.id = "chat-copilot-widget";
    script.src = server + "/copilot.js";
    if (config.accessToken) script.dataset.token = config.accessToken;
    if (config.button && config.button.label) script.dataset.label = config.button.label;
    if (config.opened) script.dataset.open = "true";
    if (config.displayMode) script.dataset.displayMode = String(config.displayMode);
    if (config.expanded) script.dataset.expanded = "true";
    if (config.theme) script.dataset.theme = String(config.theme);
    if (config.language) script.dataset.language = String(config.language);
    document.head.appendChild(script);
  };

  window.unmountChainlitWidget = function () {
    ["chat-copilot-button", "chat-copilot-panel"].forEach(function (id) {
      var element = document.getElementById(id);
      if (element) element.remove();
    });
  };

  window.sendChainlitMessage = function (data) {
    if (window.ChatCopilot) window.ChatCopilot.sendWindowMessage(data);
  };
})();

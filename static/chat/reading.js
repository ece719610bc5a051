/* Reading answers: the view follows new content while the reader is at the bottom, a
   "Jump to latest" button brings back one who scrolled up, images open large, and "Copy
   answer" copies the answer's HTML and its markdown. Works on the chat and transcript
   pages. No framework. */
(function () {
  "use strict";
  function say(key, fallback) { return window.chatStrings ? window.chatStrings(key, fallback) : fallback; }

  // -- following ------------------------------------------------------------------------
  var AT_BOTTOM = 48;  // px from the end that still counts as "at the bottom"
  var following = true;
  var lastTop = 0;
  var scheduled = false;
  var pendingAsk = null;

  function list() { return document.getElementById("messages"); }
  function jumpButton() { return document.getElementById("jump-latest"); }
  // CHAT_AUTOSCROLL_USER / CHAT_AUTOSCROLL_ASSISTANT, as data attributes of the chat.
  function allowed(name) {
    var chat = document.querySelector(".chat");
    return !chat || chat.dataset[name] !== "false";
  }
  function below(el) { return el.scrollHeight - el.scrollTop - el.clientHeight; }

  function showJump(show) {
    var button = jumpButton();
    if (!button || button.hidden === !show) return;
    button.hidden = !show;
    var status = document.getElementById("jump-latest-status");
    if (status) status.textContent = show ? say("newBelow", "New messages below") : "";
  }

  function toBottom() {
    var el = list();
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    lastTop = el.scrollTop;
    following = true;
    el.dataset.follow = "true";
    showJump(false);
  }

  function toItem(item) {
    var el = list();
    if (!el || !item.isConnected) return;
    // The whole question, its buttons and form in view, above the composer.
    var box = item.getBoundingClientRect();
    var view = el.getBoundingClientRect();
    if (box.bottom > view.bottom || box.top < view.top) {
      el.scrollTop += box.bottom - view.bottom + 8;
      lastTop = el.scrollTop;
    }
    if (below(el) <= AT_BOTTOM) { following = true; showJump(false); }
  }

  // Reading layout costs a reflow: at most once per painted frame, however many changes.
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(function () {
      scheduled = false;
      var el = list();
      if (!el) return;
      if (pendingAsk) { var ask = pendingAsk; pendingAsk = null; toBottom(); toItem(ask); return; }
      if (following && allowed("autoscrollAssistant")) toBottom();
      else showJump(below(el) > AT_BOTTOM);
    });
  }

  document.addEventListener("scroll", function (event) {
    var el = event.target;
    if (!el || el.id !== "messages") return;
    if (below(el) <= AT_BOTTOM) {
      following = true;
      showJump(false);
    } else if (el.scrollTop < lastTop - 1) {
      following = false;  // the reader went up: they are reading, stay where they are
      showJump(true);
    }
    lastTop = el.scrollTop;
    el.dataset.follow = following ? "true" : "false";
  }, true);

  document.addEventListener("chat:sent", function () {
    if (allowed("autoscrollUser")) toBottom();
    schedule();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#jump-latest");
    if (!button) return;
    toBottom();
    var box = document.getElementById("message-input");
    if (box) box.focus();
  });

  // Anything that changes what the conversation shows: new items, streamed text, task
  // lists above it, a composer that grows, a picture that loads, a narrower window.
  function watch() {
    var chat = document.querySelector(".chat");
    if (!chat || chat.dataset.watched) return;
    chat.dataset.watched = "true";
    new MutationObserver(function (records) {
      for (var i = 0; i < records.length; i++) {
        var added = records[i].addedNodes;
        for (var j = 0; j < added.length; j++) {
          var node = added[j];
          if (node.nodeType !== 1) continue;
          // A question waiting for the person is brought into view, wherever they are.
          var ask = node.matches("article[data-ask]") ? node : node.querySelector && node.querySelector("article[data-ask]");
          if (ask) pendingAsk = ask;
        }
      }
      schedule();
    }).observe(chat, { childList: true, subtree: true, characterData: true });
    if (window.ResizeObserver) new ResizeObserver(schedule).observe(chat);
  }
  document.addEventListener("load", function (event) {
    if (event.target && event.target.tagName === "IMG") schedule();
  }, true);
  window.addEventListener("resize", schedule);
  document.addEventListener("input", schedule);

  // -- earlier messages, loaded above: the reader stays on what they were reading ---------
  var fromBottom = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var el = list();
    if (!el || !event.detail.target || event.detail.target.id !== "messages-earlier") return;
    fromBottom = el.scrollHeight - el.scrollTop;
    following = false;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var el = list();
    if (fromBottom === null || !el || !el.contains(event.target)) return;
    el.scrollTop = el.scrollHeight - fromBottom;
    lastTop = el.scrollTop;
    fromBottom = null;
    // The focus the button had (it lost it while disabled during the request) goes to the
    // next one, or to the first message shown once nothing is left to load.
    var next = document.getElementById("messages-earlier-button");
    var first = el.querySelector("article");
    if (next) next.focus({ preventScroll: true });
    else if (first) { first.tabIndex = -1; first.focus({ preventScroll: true }); }
  });

  // -- images opened large --------------------------------------------------------------
  var IMAGES = ".markdown img, .element--image img";

  function decorateImages(root) {
    (root || document).querySelectorAll(".markdown img:not([tabindex]), .element--image img:not([tabindex])").forEach(function (img) {
      img.tabIndex = 0;
      img.setAttribute("role", "button");
      if (!img.title) img.title = say("openImage", "Open the image");
    });
  }

  function openImage(img) {
    var dialog = document.getElementById("lightbox");
    if (!dialog || !dialog.showModal) return;
    var large = dialog.querySelector(".lightbox__image");
    large.src = img.currentSrc || img.src;
    large.alt = img.alt || "";
    dialog.querySelector(".lightbox__caption").textContent = img.alt || "";
    dialog.showModal();
  }

  document.addEventListener("click", function (event) {
    var dialog = document.getElementById("lightbox");
    if (dialog && event.target === dialog) { dialog.close(); return; }  // outside the picture
    if (event.target.closest && event.target.closest("[data-close-lightbox]")) { dialog.close(); return; }
    var img = event.target.closest && event.target.closest(IMAGES);
    if (img && !img.closest("#lightbox")) { event.preventDefault(); openImage(img); }
  });
  document.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === " ") && event.target.matches && event.target.matches(IMAGES)) {
      event.preventDefault();
      openImage(event.target);
    }
  });

  // -- links to footnotes stay on the page ------------------------------------------------
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".markdown a[href^='#fn']");
    if (!link) return;
    var note = document.getElementById(link.getAttribute("href").slice(1));
    if (!note) return;
    event.preventDefault();
    note.scrollIntoView({ block: "center" });
  });

  // -- copy an answer: its HTML (for a mail) and its markdown (for an editor) ------------
  function answerHtml(body) {
    var copy = body.cloneNode(true);
    copy.querySelectorAll("button").forEach(function (b) { b.remove(); });
    return copy.innerHTML;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-message][data-source-url]");
    if (!button || !navigator.clipboard || !navigator.clipboard.write || !window.ClipboardItem) return;
    var body = button.closest(".message").querySelector(".message__body");
    if (!body) return;
    // Handled here, before the plain-text copy (chat.js) sees the click.
    event.stopImmediatePropagation();
    var plain = body.innerText.trim();
    var source = fetch(button.dataset.sourceUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : plain; }, function () { return plain; })
      .then(function (text) { return new Blob([text], { type: "text/plain" }); });
    var item = new ClipboardItem({
      "text/html": new Blob([answerHtml(body)], { type: "text/html" }),
      "text/plain": source,
    });
    navigator.clipboard.write([item]).then(function () {
      button.dataset.copied = "true";
      var label = button.querySelector("[data-copy-label]");
      var before = label ? label.textContent : "";
      if (label) label.textContent = button.dataset.copiedLabel || say("copied", "Copied");
      setTimeout(function () { delete button.dataset.copied; if (label) label.textContent = before; }, 1500);
    }, function () { /* refused: nothing copied, the button stays as it was */ });
  }, true);

  function ready() { watch(); decorateImages(); toBottom(); }
  document.addEventListener("htmx:load", function (event) { decorateImages(event.target); });
  document.addEventListener("htmx:wsAfterMessage", function () { decorateImages(); });
  if (document.readyState === "loading") window.addEventListener("DOMContentLoaded", ready);
  else ready();
})();

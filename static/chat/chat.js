/* The chat page's behaviour beyond htmx: keyboard, reconnection, uploads. (Scrolling is
   reading.js's.) No framework. */
(function () {
  "use strict";
  // Translated words from the page (see experience.js); English if it is missing.
  function say(key, fallback) { return window.chatStrings ? window.chatStrings(key, fallback) : fallback; }

  var RECONNECTING_BY_ITSELF = [1006, 1011, 1012, 1013]; // htmx's ws extension retries these
  var CLOSE_UNAUTHENTICATED = 4401;
  var CLOSE_FORBIDDEN = 4403;
  var leaving = false;
  var retries = 0;
  // An open the server closes again within seconds (it accepted, then failed) is no
  // success: the back-off keeps growing, or a failing server gets a retry a second.
  var STABLE_OPEN_MS = 5000;
  var openedAt = 0;

  function nextDelay() {
    if (openedAt && Date.now() - openedAt >= STABLE_OPEN_MS) retries = 0;
    openedAt = 0;
    var delay = Math.min(30000, 500 * Math.pow(2, retries)) * (0.5 + Math.random() / 2);
    retries += 1;
    return delay;
  }

  function chat() { return document.querySelector(".chat"); }
  function input() { return document.getElementById("message-input"); }

  function setConnection(state, text) {
    var el = document.getElementById("connection");
    if (!el) return;
    el.dataset.state = state;
    el.textContent = text;
  }

  function autosize() {
    var box = input();
    if (!box) return;
    box.style.height = "auto";
    box.style.height = Math.min(box.scrollHeight, 240) + "px";
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  document.addEventListener("keydown", function (event) {
    var box = input();
    if (event.target !== box || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    // Before the person's first message only the greeting (on_chat_start) can be running:
    // the server runs their message right after it, so it goes at once.
    var busy = document.querySelector('#run-state[data-running="true"]') &&
      !document.querySelector('article[data-ask="text"]') &&
      document.querySelector("#messages article.message--user");
    var files = box.form.querySelector('input[name="file_ids"]').value;
    if (busy) {
      showNotice(say("stillAnswering", "The assistant is still answering: wait for it, or press Stop."), "info");
    } else if (box.value.trim() || files) {
      box.form.requestSubmit();
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target === input()) autosize();
  });

  // A message the server refuses for now (sent too fast) comes back into the composer.
  var lastDraft = "";
  document.addEventListener("htmx:wsAfterMessage", function () {
    var notice = document.querySelector("#chat-notice[data-keep-draft]");
    if (!notice) return;
    notice.removeAttribute("data-keep-draft");
    if (lastDraft && !input().value) { input().value = lastDraft; autosize(); }
    lastDraft = "";
  });

  document.addEventListener("htmx:wsConfigSend", function (event) {
    var form = event.target;
    if (form.id !== "composer") return;
    var text = (event.detail.parameters.content || "").trim();
    if (!text && !event.detail.parameters.file_ids) { event.preventDefault(); return; }
    // The server stores a message once per id, even if a reconnect sends it again.
    event.detail.parameters.client_id = newId();
    lastDraft = event.detail.parameters.content || "";
    input().value = "";
    form.querySelector('input[name="file_ids"]').value = "";
    document.getElementById("attachments").replaceChildren();
    autosize();
    document.dispatchEvent(new CustomEvent("chat:sent"));  // reading.js follows it
  });

  // The page's first socket names what the page was drawn from (data-snapshot): the server
  // sends the conversation again only if it changed since. A reconnect names nothing: after
  // a drop the page may be behind, and gets it all.
  if (window.htmx && htmx.createWebSocket) {
    var createSocket = htmx.createWebSocket;
    htmx.createWebSocket = function (url) {
      var drawn = document.querySelector("[ws-connect][data-snapshot]");
      if (drawn) {
        if (drawn.dataset.snapshot) {
          url += (url.indexOf("?") < 0 ? "?" : "&") + "seen=" + encodeURIComponent(drawn.dataset.snapshot);
        }
        drawn.removeAttribute("data-snapshot");
      }
      return createSocket(url);
    };
  }

  // htmx's own reconnects (after 1006, 1011, 1012, 1013) wait as long as ours.
  document.addEventListener("htmx:wsConnecting", function () {
    if (window.htmx) htmx.config.wsReconnectDelay = nextDelay;
  });

  document.addEventListener("htmx:wsOpen", function () {
    openedAt = Date.now();
    setConnection("open", "");
    // A message typed and sent before the socket opened (composer_early.js) goes now, once.
    if (window.chatComposerReady) window.chatComposerReady();
    if (window.chatComposerPending) {
      window.chatComposerPending = false;
      if (input() && input().value.trim()) input().form.requestSubmit();
    }
  });

  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail.event.code;
    if (leaving) return;
    if (code === CLOSE_UNAUTHENTICATED) {
      window.location.href = chat().dataset.loginUrl;
      return;
    }
    if (code === CLOSE_FORBIDDEN) {
      setConnection("closed", say("noAccess", "You do not have access to this conversation."));
      return;
    }
    setConnection("reconnecting", say("reconnecting", "Reconnecting…"));
    if (RECONNECTING_BY_ITSELF.indexOf(code) >= 0) return;
    // Any other close (a proxy, a deploy, a network change) reconnects too, with backoff.
    var wrapper = event.detail.socketWrapper;
    setTimeout(function () { wrapper.reconnect(); }, nextDelay());
  });

  // A frame larger than the server takes (1009, "message too big"): the message is not
  // lost, it comes back into the composer, and the notice says why. The socket reconnects
  // (above); the notice is shown again once the reconnect's snapshot has cleared it.
  var CLOSE_TOO_BIG = 1009;
  var tooBigNotice = "";
  document.addEventListener("htmx:wsClose", function (event) {
    if (event.detail.event.code !== CLOSE_TOO_BIG) return;
    tooBigNotice = say("frameTooLarge", "The message is too large to send: shorten it, or attach it as a file.");
    showNotice(tooBigNotice);
    if (lastDraft && !input().value) { input().value = lastDraft; autosize(); }
  });
  document.addEventListener("htmx:wsAfterMessage", function (event) {
    if (!tooBigNotice || String(event.detail.message).indexOf('id="chat-notice"') < 0) return;
    showNotice(tooBigNotice);
    tooBigNotice = "";
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-dismiss-notice]");
    if (button) button.parentElement.replaceChildren();
  });

  // Files go over HTTP, with a progress bar; the socket then only carries their ids.
  function upload(url, files, bar, done) {
    var body = new FormData();
    Array.prototype.forEach.call(files, function (file) { body.append("files", file); });
    var request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.hidden = false; bar.value = (100 * e.loaded) / e.total; }
    });
    request.addEventListener("load", function () {
      bar.hidden = true;
      var reply = {};
      try { reply = JSON.parse(request.responseText); } catch (ignored) { reply = {}; }
      if (request.status !== 200) { showNotice(reply.error || say("uploadFailed", "The upload failed.")); return; }
      done(reply.files);
    });
    request.addEventListener("error", function () { bar.hidden = true; showNotice(say("uploadFailed", "The upload failed.")); });
    request.send(body);
  }

  function attachToComposer(files) {
    var form = document.getElementById("composer");
    upload(form.dataset.uploadUrl, files, document.getElementById("composer-progress"), function (stored) {
      var ids = form.querySelector('input[name="file_ids"]');
      var list = document.getElementById("attachments");
      stored.forEach(function (file) {
        ids.value = ids.value ? ids.value + "," + file.id : file.id;
        var chip = document.createElement("span");
        chip.className = "attachment";
        chip.dataset.fileId = file.id;
        chip.textContent = file.name + " ";
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "attachment__remove";
        remove.setAttribute("aria-label", say("remove", "Remove %(name)s").replace("%(name)s", file.name));
        remove.textContent = "×";
        chip.appendChild(remove);
        list.appendChild(chip);
      });
      input().focus();
    });
  }

  document.addEventListener("change", function (event) {
    var picker = event.target;
    if (!picker.matches) return;
    if (picker.matches("input[data-composer-files]")) {
      attachToComposer(picker.files);
      picker.value = "";
    } else if (picker.matches("input[data-ask-files]")) {
      // A question that wants files: once uploaded, the form answers it by socket.
      var form = picker.form;
      upload(form.dataset.uploadUrl, picker.files, form.querySelector(".upload-progress"), function (stored) {
        form.querySelector('input[name="file_ids"]').value =
          stored.map(function (f) { return f.id; }).join(",");
        form.requestSubmit();
      });
    }
  });

  document.addEventListener("click", function (event) {
    var remove = event.target.closest && event.target.closest(".attachment__remove");
    if (!remove) return;
    var chip = remove.parentElement;
    var ids = document.querySelector('#composer input[name="file_ids"]');
    ids.value = ids.value.split(",").filter(function (id) { return id && id !== chip.dataset.fileId; }).join(",");
    chip.remove();
  });

  // Pasting a file (a screenshot, a file copied in the file manager) attaches it, as a drop
  // does. A paste that carries text too (cells from a spreadsheet come with a picture of
  // them) stays text.
  document.addEventListener("paste", function (event) {
    var box = input();
    var data = event.clipboardData;
    if (!box || event.target !== box || !data || !data.files || !data.files.length) return;
    if (data.getData("text/plain")) return;
    event.preventDefault();
    attachToComposer(data.files);
  });

  document.addEventListener("dragover", function (event) {
    if (document.getElementById("composer")) { event.preventDefault(); document.body.classList.add("dragging"); }
  });
  document.addEventListener("dragleave", function (event) {
    if (!event.relatedTarget) document.body.classList.remove("dragging");
  });
  document.addEventListener("drop", function (event) {
    document.body.classList.remove("dragging");
    if (!document.getElementById("composer") || !event.dataTransfer.files.length) return;
    event.preventDefault();
    attachToComposer(event.dataTransfer.files);
  });

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (ignored) { return ""; }
  }

  function showNotice(text, level) {
    var notice = document.getElementById("chat-notice");
    if (!notice) return;
    notice.className = "notice notice--" + (level || "error");
    notice.setAttribute("role", level === "info" ? "status" : "alert");
    notice.textContent = text;
  }

  window.addEventListener("pagehide", function () { leaving = true; });
  window.addEventListener("DOMContentLoaded", autosize);
})();

/* History and feedback: copy buttons (answers, code blocks, links), the thread menu, the
   share dialog, the rename form. Self-contained; works on the chat and transcript pages. */
(function () {
  "use strict";
  // Translated words from the page (see experience.js); English if it is missing.
  function say(key, fallback) { return window.chatStrings ? window.chatStrings(key, fallback) : fallback; }

  var COPIED_FOR = 1500;

  function copyWithSelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (ignored) { /* nothing more to try */ }
    area.remove();
  }

  function showCopied(button) {
    if (!button) return;
    button.dataset.copied = "true";
    var label = button.querySelector("[data-copy-label]") || (button.hasAttribute("data-label") ? null : button);
    var before = label ? label.textContent : button.dataset.label;
    var copied = button.dataset.copiedLabel || say("copied", "Copied");
    if (label) label.textContent = copied; else button.dataset.label = copied;
    setTimeout(function () {
      delete button.dataset.copied;
      if (label) label.textContent = before; else button.dataset.label = before;
    }, COPIED_FOR);
  }

  function copyText(text, button) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { showCopied(button); },
        function () { copyWithSelection(text); showCopied(button); }
      );
    } else {
      copyWithSelection(text);
      showCopied(button);
    }
  }

  // Code blocks in answers get their own button. Its text comes from CSS (data-label), so
  // that copying a whole answer does not copy the buttons' words with it.
  function decorateCode() {
    document.querySelectorAll(".markdown pre:not([data-copy-ready])").forEach(function (pre) {
      pre.dataset.copyReady = "true";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "code-copy";
      button.dataset.copyCode = "";
      button.dataset.label = say("copy", "Copy");
      button.setAttribute("aria-label", say("copyCode", "Copy code"));
      pre.appendChild(button);
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    var button = target.closest("[data-copy-message]");
    if (button) {
      var body = button.closest(".message").querySelector(".message__body");
      if (body) copyText(body.innerText.trim(), button);
      return;
    }
    button = target.closest("[data-copy-code]");
    if (button) {
      var pre = button.closest("pre");
      var code = pre.querySelector("code") || pre;
      copyText(code.textContent, button);
      return;
    }
    button = target.closest("[data-copy-target]");
    if (button) {
      var field = document.querySelector(button.dataset.copyTarget);
      if (field) { field.select(); copyText(field.value, button); }
      return;
    }
    // A thread's menu closes when something in it is chosen, or on a click elsewhere.
    document.querySelectorAll("details.thread-item__menu[open]").forEach(function (menu) {
      if (!menu.contains(target) || target.closest(".menu__item")) menu.open = false;
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.matches) return;
    if (event.target.matches("[data-rename-input]")) {
      var cancel = event.target.form.querySelector("[data-rename-cancel]");
      if (cancel) { event.preventDefault(); cancel.click(); }
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "share-dialog" && !target.open && target.showModal) {
      target.showModal();
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    decorateCode();
    // Fired on each element that settled: the new one, after an outerHTML swap.
    var root = event.target;
    if (!root || !root.querySelector) return;
    var rename = root.querySelector("[data-rename-input]");
    if (rename) { rename.focus(); rename.select(); }
    var comment = root.querySelector(".feedback__comment[open] textarea");
    if (comment) comment.focus();
  });

  document.addEventListener("htmx:oobAfterSwap", decorateCode);

  // A step made with auto_collapse is open while it runs and closes once when it ends; a
  // person may open it again.
  document.addEventListener("htmx:wsAfterMessage", function () {
    document.querySelectorAll("details.step[data-auto-collapse]").forEach(function (step) {
      var summary = step.querySelector(":scope > summary");
      if (!summary || summary.dataset.state === "running") return;
      step.removeAttribute("data-auto-collapse");
      step.open = false;
    });
  });

  // The server pushes the list (or a new conversation for its top) when a conversation
  // moves to the top; search results on screen stay as they are until the search is cleared.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var search = document.getElementById("thread-search");
    var target = event.detail.target;
    if (target && target.closest && target.closest("#thread-list") && search && search.value.trim()) {
      event.detail.shouldSwap = false;
    }
  });
  document.addEventListener("htmx:wsAfterMessage", decorateCode);
  window.addEventListener("DOMContentLoaded", decorateCode);
})();

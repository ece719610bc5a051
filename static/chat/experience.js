/* Editing a sent message, toasts, the theme switch, the language picker, and the question
   asked before leaving a running answer for a new chat. No framework, no inline script. */
(function () {
  "use strict";

  var TOAST_FOR = 5000;
  var THEME_COOKIE = "chat_theme";
  var YEAR = 60 * 60 * 24 * 365;

  // Translated words come from the page (json_script), so the scripts speak its language.
  var strings = {};
  try {
    var holder = document.getElementById("chat-strings");
    if (holder) strings = JSON.parse(holder.textContent);
  } catch (ignored) { strings = {}; }
  function t(key, fallback) { return strings[key] || fallback; }
  window.chatStrings = t;

  function running() { return !!document.querySelector('#run-state[data-running="true"]'); }

  function notice(text) {
    var box = document.getElementById("chat-notice");
    if (!box) return;
    box.className = "notice notice--info";
    box.setAttribute("role", "status");
    box.textContent = text;
  }

  // Editing a sent message.
  function closeEdit(article) {
    var form = article.querySelector(".message-edit");
    if (form) form.hidden = true;
    article.classList.remove("message--editing");
  }

  function openEdit(article) {
    var form = article.querySelector(".message-edit");
    var body = article.querySelector(".message__body");
    if (!form || !body) return;
    if (running()) { notice(t("waitToEdit", "Wait for the answer to finish, or press Stop, then edit.")); return; }
    var box = form.querySelector("textarea");
    box.value = body.textContent;
    form.hidden = false;
    article.classList.add("message--editing");
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    var button = target.closest("[data-edit-message]");
    if (button) { openEdit(button.closest("article.message")); return; }
    button = target.closest("[data-edit-cancel]");
    if (button) { closeEdit(button.closest("article.message")); }
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches(".message-edit textarea")) return;
    if (event.key === "Escape") { event.preventDefault(); closeEdit(box.closest("article.message")); }
    // As in the composer: Enter sends the edit, Shift+Enter starts a new line.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); box.form.requestSubmit(); }
  });

  document.addEventListener("htmx:wsConfigSend", function (event) {
    var form = event.target;
    if (!form.classList) return;
    if (form.classList.contains("message-edit")) {
      if (!(event.detail.parameters.content || "").trim()) { event.preventDefault(); return; }
      closeEdit(form.closest("article.message"));
    }
  });

  // Toasts go by themselves; errors stay longer.
  function dismiss(toast) { if (toast && toast.parentNode) toast.remove(); }

  function armToasts() {
    document.querySelectorAll("#toasts .toast:not([data-armed])").forEach(function (toast) {
      toast.dataset.armed = "true";
      var wait = toast.classList.contains("toast--error") ? TOAST_FOR * 2 : TOAST_FOR;
      setTimeout(function () { dismiss(toast); }, wait);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-dismiss-toast]");
    if (button) dismiss(button.closest(".toast"));
  });
  document.addEventListener("htmx:wsAfterMessage", armToasts);

  // Light or dark: follows the device until the user picks one.
  function systemTheme() {
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function shownTheme() { return document.documentElement.dataset.theme || systemTheme(); }

  function labelThemeButtons() {
    var dark = shownTheme() === "dark";
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", dark ? "true" : "false");
    });
  }

  function setTheme(theme) {
    document.documentElement.dataset.theme = theme;
    try { localStorage.setItem(THEME_COOKIE, theme); } catch (ignored) { /* private mode */ }
    // The cookie lets the server render the next page in this theme, with no flash.
    document.cookie = THEME_COOKIE + "=" + theme + ";path=/;max-age=" + YEAR + ";samesite=lax";
    labelThemeButtons();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-theme-toggle]");
    if (button) setTheme(shownTheme() === "dark" ? "light" : "dark");
  });

  // A new chat while the assistant answers (or always, with CHAT_CONFIRM_NEW_CHAT): ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-confirm-when-running]") || form.dataset.confirmed) return;
    var dialog = document.getElementById(form.dataset.confirmWhenRunning);
    var always = form.hasAttribute("data-confirm-always");
    if (!(always || running()) || !dialog || !dialog.showModal) return;
    var busyText = dialog.querySelector("[data-when-running]");
    var idleText = dialog.querySelector("[data-when-idle]");
    if (busyText && idleText) { busyText.hidden = !running(); idleText.hidden = running(); }
    event.preventDefault();
    dialog.returnValue = "";
    dialog.showModal();
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue === "confirm") {
        form.dataset.confirmed = "true";
        form.requestSubmit();
      }
    });
  });

  // On a phone the conversations slide over the chat (a checkbox, so it works without
  // script). The menu button says whether they are shown; Escape closes them.
  function sidebarToggle() { return document.getElementById("sidebar-toggle"); }

  function showSidebarState() {
    var toggle = sidebarToggle();
    document.querySelectorAll(".menu-button").forEach(function (button) {
      button.setAttribute("aria-expanded", toggle && toggle.checked ? "true" : "false");
    });
  }

  function closeSidebar() {
    var toggle = sidebarToggle();
    if (!toggle || !toggle.checked) return false;
    toggle.checked = false;
    showSidebarState();
    var button = document.querySelector(".menu-button");
    if (button) button.focus();
    return true;
  }

  document.addEventListener("change", function (event) {
    if (event.target === sidebarToggle()) showSidebarState();
  });

  document.addEventListener("keydown", function (event) {
    var button = event.target.closest && event.target.closest(".menu-button");
    if (button && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      button.click();
    }
  });

  // Ctrl+K (Cmd+K on a Mac) goes to the conversations' search, from anywhere on the page;
  // on a phone it slides the conversations in first.
  window.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    if ((event.key || "").toLowerCase() !== "k" || document.querySelector("dialog[open]")) return;
    var search = document.getElementById("thread-search");
    if (!search) return;
    event.preventDefault();
    var toggle = sidebarToggle();
    var menuButton = document.querySelector(".menu-button");
    // The menu button is shown only where the conversations slide in (a phone).
    if (toggle && !toggle.checked && menuButton && menuButton.offsetParent !== null) {
      toggle.checked = true;
      showSidebarState();
    }
    search.focus();
    search.select();
  });

  // On window, so that fields with an Escape of their own (a rename, an edit) and open
  // dialogs have had it first.
  window.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented || document.querySelector("dialog[open]")) return;
    if (closeSidebar()) event.preventDefault();
  });

  // Questions before something that cannot be undone (hx-confirm) are asked in the page's
  // own dialog rather than the browser's confirm(): a modal <dialog>, so focus stays in it
  // and Escape cancels. Focus then goes back where it was, or to the menu it came from.
  function focusBack(element) {
    if (!element || !element.isConnected) return;
    var visible = element.checkVisibility ? element.checkVisibility() : element.offsetParent !== null;
    var menu = element.closest("details");
    if (!visible && menu) element = menu.querySelector("summary");
    if (element) element.focus();
  }

  document.addEventListener("htmx:confirm", function (event) {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || !dialog.showModal) return;
    // A list that refreshes itself (documents being read) waits while the page asks about
    // one of its items, so the answer still applies to what is on screen.
    if (!event.detail.question) { if (dialog.open) event.preventDefault(); return; }
    event.preventDefault();
    var asker = event.detail.elt.closest("[hx-confirm]") || event.detail.elt;
    var returnTo = document.activeElement;
    var title = dialog.querySelector("[data-confirm-title]");
    if (!title.dataset.fallback) title.dataset.fallback = title.textContent;
    title.textContent = asker.dataset.confirmTitle || title.dataset.fallback;
    dialog.querySelector("[data-confirm-text]").textContent = event.detail.question;
    dialog.returnValue = "";
    dialog.showModal();
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      focusBack(returnTo);
      if (dialog.returnValue === "confirm") event.detail.issueRequest(true);
    });
  });

  // A file chooser shows what was chosen, in place of the browser's own words.
  function showChosenFiles(input) {
    var names = document.getElementById(input.id + "-names");
    if (!names) return;
    var chosen = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
    names.textContent = chosen.length ? chosen.join(", ") : names.dataset.none;
    names.title = chosen.join(", ");
    names.toggleAttribute("data-chosen", chosen.length > 0);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches(".file-picker__input")) showChosenFiles(event.target);
  });

  // The language picker applies a choice at once.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("[data-language-picker]")) select.form.requestSubmit();
  });

  window.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".language-picker").forEach(function (picker) { picker.dataset.auto = "true"; });
    // A choice kept in this browser whose cookie has gone (cleared, expired): apply it.
    var kept = null;
    try { kept = localStorage.getItem(THEME_COOKIE); } catch (ignored) { kept = null; }
    // A page that embeds the assistant may fix its theme (data-theme-fixed): that one holds.
    var root = document.documentElement;
    if (!root.dataset.theme && !root.dataset.themeFixed && (kept === "light" || kept === "dark")) setTheme(kept);
    labelThemeButtons();
    showSidebarState();
    armToasts();
    if (window.matchMedia) {
      window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", labelThemeButtons);
    }
  });
})();

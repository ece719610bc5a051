/* Around the conversation: starters, the chat settings dialog, and the composer's commands
   (the "/" menu, with keyboard navigation, and the command buttons). No framework. */
(function () {
  "use strict";

  function composerForm() { return document.getElementById("composer"); }
  function box() { return document.getElementById("message-input"); }
  function menu() { return document.getElementById("command-menu"); }
  function commandField() {
    var form = composerForm();
    return form && form.querySelector('input[name="command"]');
  }

  // -- commands ---------------------------------------------------------------------------
  function options() {
    var list = menu();
    return list ? Array.prototype.slice.call(list.querySelectorAll('[role="option"]')) : [];
  }

  function optionFor(id) {
    return options().filter(function (o) { return o.dataset.command === id; })[0] || null;
  }

  function visibleOptions() {
    return options().filter(function (o) { return !o.hidden; });
  }

  function menuOpen() { var list = menu(); return !!list && !list.hidden; }

  function setActive(option) {
    options().forEach(function (o) { o.setAttribute("aria-selected", o === option ? "true" : "false"); });
    var input = box();
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function activeOption() {
    return visibleOptions().filter(function (o) { return o.getAttribute("aria-selected") === "true"; })[0] || null;
  }

  function closeMenu() {
    var list = menu();
    if (list) list.hidden = true;
    var input = box();
    if (input) { input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); }
  }

  function keyOf(option) {
    return (option.dataset.command || option.dataset.favorite || "").toLowerCase();
  }

  // The person's favorites (saved prompts) follow the commands in the "/" list. They are
  // copied in from the Favorites menu each time, as the assistant may replace the list.
  function addFavorites(list) {
    list.querySelectorAll("[data-favorite]").forEach(function (o) { o.remove(); });
    var saved = document.querySelectorAll("#favorites [data-favorite]");
    Array.prototype.forEach.call(saved, function (button, index) {
      var option = document.createElement("li");
      option.id = "favorite-option-" + (index + 1);
      option.className = "command-menu__option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.favorite = button.dataset.favorite;
      var star = document.createElement("span");
      star.className = "icon icon--star";
      star.setAttribute("aria-hidden", "true");
      var text = document.createElement("span");
      text.className = "command-menu__id";
      text.textContent = button.textContent;
      option.appendChild(star);
      option.appendChild(text);
      list.appendChild(option);
    });
  }

  // Typing "/" and then letters at the start of the box lists the matching commands, and
  // the favorites with those letters in them.
  function filterMenu() {
    var input = box();
    var list = menu();
    if (!input || !list) return closeMenu();
    var typed = /^\/(\S*)$/.exec(input.value);
    if (!typed) return closeMenu();
    addFavorites(list);
    if (!options().length) return closeMenu();
    var query = typed[1].toLowerCase();
    var shown = [];
    options().forEach(function (o) {
      o.hidden = keyOf(o).indexOf(query) === -1;
      if (!o.hidden) shown.push(o);
    });
    // Commands first, those that start with what was typed before the others.
    shown.sort(function (a, b) {
      var rank = function (o) { return (o.dataset.favorite !== undefined ? 2 : 0) + (keyOf(o).indexOf(query) === 0 ? 0 : 1); };
      return rank(a) - rank(b);
    });
    shown.forEach(function (o) { list.appendChild(o); });
    if (!shown.length) return closeMenu();
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (shown.indexOf(activeOption()) === -1) setActive(shown[0]);
  }

  function selectedCommand() { var field = commandField(); return field ? field.value : ""; }

  function showSelection() {
    var id = selectedCommand();
    var chip = document.getElementById("command-chip");
    if (chip) {
      chip.hidden = !id;
      chip.querySelector(".command-chip__name").textContent = id ? "/" + id : "";
    }
    document.querySelectorAll("[data-command-button]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.dataset.commandButton === id ? "true" : "false");
    });
  }

  function selectCommand(id) {
    var field = commandField();
    if (!field) return;
    field.value = id || "";
    showSelection();
  }

  function useFavorite(text) {
    var input = box();
    if (!input) return;
    input.value = text;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    closeMenu();
    input.focus();
    input.setSelectionRange(text.length, text.length);
  }

  function chooseFromMenu(option) {
    if (option.dataset.favorite !== undefined) { useFavorite(option.dataset.favorite); return; }
    selectCommand(option.dataset.command);
    var input = box();
    input.value = "";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    closeMenu();
    input.focus();
  }

  // After the assistant changes its commands: keep a choice that still exists, else take
  // the one it preselects.
  function syncCommands() {
    var id = selectedCommand();
    if (id && !optionFor(id)) id = "";
    if (!id) {
      var preselected = options().filter(function (o) { return o.hasAttribute("data-preselected"); })[0];
      if (preselected) id = preselected.dataset.command;
    }
    selectCommand(id);
    var input = box();
    if (input) {
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-controls", "command-menu");
    }
    if (menuOpen()) filterMenu();
  }

  // Escape closes the Favorites menu, back on its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = event.target.closest && event.target.closest("#favorites[open]");
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });

  document.addEventListener("keydown", function (event) {
    var input = box();
    if (event.target !== input) return;
    if (event.key === "Backspace" && !input.value && selectedCommand()) {
      selectCommand("");
      return;
    }
    if (!menuOpen()) return;
    var shown = visibleOptions();
    var at = shown.indexOf(activeOption());
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var step = event.key === "ArrowDown" ? 1 : -1;
      setActive(shown[(at + step + shown.length) % shown.length]);
    } else if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
      if (at === -1) return;
      chooseFromMenu(shown[at]);
    } else if (event.key === "Escape") {
      closeMenu();
    } else {
      return;
    }
    // Handled here: the composer must not also send on this Enter.
    event.preventDefault();
    event.stopPropagation();
  }, true);

  document.addEventListener("input", function (event) {
    if (event.target === box()) filterMenu();
  });

  document.addEventListener("focusout", function (event) {
    if (event.target === box()) setTimeout(function () { if (document.activeElement !== box()) closeMenu(); }, 150);
  });

  document.addEventListener("mousedown", function (event) {
    // Keeps the focus in the box while an option is clicked.
    if (event.target.closest && event.target.closest("#command-menu [role=option]")) event.preventDefault();
  });

  document.addEventListener("htmx:wsConfigSend", function (event) {
    if (event.target.id !== "composer" || event.defaultPrevented) return;
    var id = event.detail.parameters.command;
    var option = id && optionFor(id);
    // A persistent command stays chosen for the next message; any other is used once.
    if (!option || !option.hasAttribute("data-persistent")) selectCommand("");
    closeMenu();
  });

  // -- starters and settings -------------------------------------------------------------
  function openSettings() {
    var dialog = document.getElementById("settings-dialog");
    if (!dialog || dialog.open) return;
    // At the side (CHAT_SETTINGS_LOCATION=sidebar) the chat stays usable beside it.
    if (dialog.hasAttribute("data-side")) dialog.show(); else dialog.showModal();
    var first = dialog.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }

  // One category's starters at a time; choosing the open one again closes it.
  function showCategory(button) {
    var open = button.getAttribute("aria-expanded") !== "true";
    var labels = button.parentElement.querySelectorAll("[data-starter-category]");
    Array.prototype.forEach.call(labels, function (other) {
      var shown = other === button && open;
      other.setAttribute("aria-expanded", shown ? "true" : "false");
      var panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) panel.hidden = !shown;
    });
  }

  // Escape on an open category (its label or one of its starters) closes it, back on its label.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest) return;
    var button = event.target.closest("[data-starter-category][aria-expanded=true]");
    if (!button) {
      var panel = event.target.closest(".starter-categories .starters");
      button = panel && document.querySelector("[data-starter-category][aria-controls='" + panel.id + "']");
    }
    if (!button || button.getAttribute("aria-expanded") !== "true") return;
    event.preventDefault();
    showCategory(button);
    button.focus();
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    var option = target.closest("#command-menu [role=option]");
    if (option) { chooseFromMenu(option); return; }
    var button = target.closest("[data-command-button]");
    if (button) {
      var id = button.dataset.commandButton;
      selectCommand(selectedCommand() === id ? "" : id);
      box().focus();
      return;
    }
    if (target.closest("[data-command-clear]")) { selectCommand(""); box().focus(); return; }
    var favorite = target.closest(".favorites__use");
    if (favorite) {
      favorite.closest("details").open = false;
      useFavorite(favorite.dataset.favorite);
      return;
    }
    var category = target.closest("[data-starter-category]");
    if (category) { showCategory(category); return; }
    var starter = target.closest("[data-starter-message]");
    if (starter) {
      // Sent exactly as if typed: the same form, the same id against double sending.
      if (starter.dataset.starterCommand && optionFor(starter.dataset.starterCommand)) {
        selectCommand(starter.dataset.starterCommand);
      }
      box().value = starter.dataset.starterMessage;
      composerForm().requestSubmit();
      return;
    }
    if (target.closest("[data-settings-open]")) {
      // At the side the header button opens and closes the panel.
      var side = document.getElementById("settings-dialog");
      if (side && side.open && side.hasAttribute("data-side")) side.close(); else openSettings();
      return;
    }
    if (target.closest("[data-settings-close]")) {
      var dialog = document.getElementById("settings-dialog");
      if (dialog && dialog.open) dialog.close();
    }
  });

  document.addEventListener("input", function (event) {
    var range = event.target;
    if (range.matches && range.matches("input[data-range-output]")) {
      var output = document.getElementById(range.dataset.rangeOutput);
      if (output) output.textContent = range.value;
    }
  });

  // Each change in the open panel goes to the assistant's on_settings_edit at once (not
  // saved): it may redraw the panel with other choices.
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("#settings-form");
    if (!form) return;
    form.dataset.edit = "true";
    form.requestSubmit();
  });

  // Tabs of the settings panel: a click or the arrow keys (Home, End) choose one.
  function chooseTab(tab, focus) {
    var list = tab.closest("[role=tablist]");
    Array.prototype.forEach.call(list.querySelectorAll("[role=tab]"), function (other) {
      var chosen = other === tab;
      other.setAttribute("aria-selected", chosen ? "true" : "false");
      other.tabIndex = chosen ? 0 : -1;
      var panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) panel.hidden = !chosen;
    });
    if (focus) tab.focus();
  }
  document.addEventListener("click", function (event) {
    var tab = event.target.closest && event.target.closest("[data-settings-tab]");
    if (tab) chooseTab(tab, false);
  });
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest("[data-settings-tab]");
    if (!tab) return;
    var tabs = Array.prototype.slice.call(tab.parentElement.querySelectorAll("[role=tab]"));
    var at = tabs.indexOf(tab);
    var next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    chooseTab(tabs[(next + tabs.length) % tabs.length], true);
  });

  // A panel redrawn while open keeps its tab and the field the user was on.
  var keep = null;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "settings-panel") return;
    var tab = target.querySelector("[role=tab][aria-selected=true]");
    var focused = document.activeElement;
    keep = {
      tab: tab ? tab.dataset.settingsTab : null,
      name: focused && target.contains(focused) ? focused.getAttribute("name") : null,
      value: focused ? focused.value : null,
    };
  });
  document.addEventListener("htmx:wsAfterMessage", function () {
    if (!keep) return;
    var panel = document.getElementById("settings-panel");
    var kept = keep;
    keep = null;
    if (!panel) return;
    if (kept.tab !== null) {
      var tab = panel.querySelector('[data-settings-tab="' + CSS.escape(kept.tab) + '"]');
      if (tab) chooseTab(tab, false);
    }
    if (kept.name) {
      var fields = panel.querySelectorAll('[name="' + CSS.escape(kept.name) + '"]');
      var field = Array.prototype.filter.call(fields, function (f) { return f.value === kept.value; })[0] || fields[0];
      if (field) field.focus();
    }
  });

  document.addEventListener("htmx:wsConfigSend", function (event) {
    if (event.target.id !== "settings-form") return;
    if (event.target.dataset.edit) {
      delete event.target.dataset.edit;
      event.detail.parameters.type = "settings_edit";
      return;
    }
    var dialog = document.getElementById("settings-dialog");
    if (dialog && dialog.open) dialog.close();
    var opener = document.getElementById("settings-open");
    if (opener) opener.focus();
  });

  // CHAT_SETTINGS_OPEN (or the chat's profile): the panel at the side opens by itself once
  // the chat has settings, as Chainlit's default_chat_settings_open, leaving the focus in
  // the composer. Once a chat: closed, it stays closed until a new chat brings settings.
  // Only where the chat makes room for it (chat.css): on a narrow screen it would cover
  // the chat, and waits for its button.
  var openedFirst = false;
  var roomBeside = window.matchMedia("(min-width: 900px)");
  function openFirst() {
    var dialog = document.getElementById("settings-dialog");
    var panel = document.getElementById("settings-panel");
    if (!dialog || !panel || !dialog.hasAttribute("data-side")) return;
    if (!panel.querySelector("#settings-form")) { openedFirst = false; return; }
    if (openedFirst || !panel.hasAttribute("data-open-first")) return;
    openedFirst = true;
    if (!roomBeside.matches) return;
    if (dialog.open) return;
    var focused = document.activeElement;
    dialog.show();  // which moves the focus into it: back to where the person was
    if (focused && focused !== document.body && focused.focus) focused.focus();
  }
  document.addEventListener("htmx:wsAfterMessage", openFirst);
  window.addEventListener("DOMContentLoaded", openFirst);

  // A panel at the side is not modal: Escape inside it closes it, back on its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var dialog = event.target.closest && event.target.closest("#settings-dialog[data-side][open]");
    if (!dialog) return;
    event.preventDefault();
    dialog.close();
    var opener = document.getElementById("settings-open");
    if (opener) opener.focus();
  });

  // A pushed command list is a new element: sync once per new list, not once per frame.
  var syncedList = null;
  document.addEventListener("htmx:wsAfterMessage", function () {
    var list = document.getElementById("composer-commands");
    if (list && list !== syncedList) { syncedList = list; syncCommands(); }
  });
  window.addEventListener("DOMContentLoaded", function () {
    syncedList = document.getElementById("composer-commands");
    syncCommands();
  });
})();

/* Custom elements (cl.CustomElement): the client calls Chainlit gives its elements, for a
   fork's templates/elements/<Name>.html and static/elements/<Name>.js. No framework.

   In a template, as attributes (on a button, or a form for the props it holds):
     data-call-action="name" [data-payload='{"k": 1}']   runs @cl.action_callback("name")
     data-update-props (a form)                           its fields become the new props
     data-update-props='{"count": 2}' (a button)          these props replace the old ones
     data-delete-element                                  takes the element away
     data-send-message="text"                             sends text as the user's message
     data-submit-element (a form)                         answers cl.AskElementMessage
   In a script, static/elements/<Name>.js:
     ChatElements.define("Name", function (root, api) { ... });
   with api.props, api.updateElement(props), api.deleteElement(),
   api.callAction({name, payload}), api.sendUserMessage(text), api.submitElement(props). */
(function () {
  "use strict";

  var mounts = {};
  var loaded = {};

  function call(root, op, data) {
    var form = document.getElementById("element-call");
    if (!form) return;
    form.querySelector('input[name="element_id"]').value = root.dataset.elementId;
    form.querySelector('input[name="op"]').value = op;
    form.querySelector('input[name="data"]').value = data === undefined ? "" : JSON.stringify(data);
    form.requestSubmit();
  }

  function propsOf(root) {
    var holder = root.querySelector('script[type="application/json"]');
    try { return holder ? JSON.parse(holder.textContent) : {}; } catch (ignored) { return {}; }
  }

  function sendUserMessage(text) {
    var box = document.getElementById("message-input");
    if (!box || !text) return;
    box.value = String(text);
    box.form.requestSubmit();
  }

  function api(root) {
    return {
      props: propsOf(root),
      updateElement: function (props) { call(root, "update", props || {}); },
      deleteElement: function () { call(root, "delete"); },
      callAction: function (action) {
        action = action || {};
        call(root, "action", { name: action.name, payload: action.payload || {} });
      },
      sendUserMessage: sendUserMessage,
      submitElement: function (props) { call(root, "submit", props || {}); }
    };
  }

  // A form's fields as props: numbers stay numbers, checkboxes are true or false.
  function formProps(form, start) {
    var props = Object.assign({}, start);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name) return;
      if (field.type === "checkbox") props[field.name] = field.checked;
      else if (field.type === "number" || field.type === "range") props[field.name] = field.value === "" ? null : Number(field.value);
      else if (field.type === "radio") { if (field.checked) props[field.name] = field.value; }
      else props[field.name] = field.value;
    });
    return props;
  }

  function mount(root) {
    if (root.dataset.mounted === "true") return;
    var name = root.dataset.customElement;
    if (mounts[name]) {
      root.dataset.mounted = "true";
      mounts[name](root, api(root));
      return;
    }
    var src = root.dataset.elementScript;
    if (src && !loaded[src]) {
      loaded[src] = true;
      var script = document.createElement("script");
      script.src = src;
      document.head.appendChild(script);
    }
  }

  function mountAll(scope) {
    var roots = (scope || document).querySelectorAll("[data-custom-element]");
    Array.prototype.forEach.call(roots, mount);
    if (scope && scope.matches && scope.matches("[data-custom-element]")) mount(scope);
  }

  window.ChatElements = {
    define: function (name, fn) {
      mounts[name] = fn;
      document.querySelectorAll('[data-custom-element="' + name + '"]').forEach(mount);
    },
    api: function (node) {
      var root = node.closest("[data-custom-element]");
      return root ? api(root) : null;
    }
  };

  function parse(text) {
    try { return text ? JSON.parse(text) : {}; } catch (ignored) { return {}; }
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-call-action], [data-update-props], [data-delete-element], [data-send-message]");
    if (!target || target.tagName === "FORM") return;
    var root = target.closest("[data-custom-element]");
    if (!root) return;
    event.preventDefault();
    if (target.hasAttribute("data-call-action")) {
      api(root).callAction({ name: target.dataset.callAction, payload: parse(target.dataset.payload) });
    } else if (target.hasAttribute("data-update-props")) {
      api(root).updateElement(Object.assign(propsOf(root), parse(target.dataset.updateProps)));
    } else if (target.hasAttribute("data-delete-element")) {
      api(root).deleteElement();
    } else {
      sendUserMessage(target.dataset.sendMessage);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var root = form.closest && form.closest("[data-custom-element]");
    if (!root || form.id === "element-call") return;
    event.preventDefault();
    if (form.hasAttribute("data-submit-element")) api(root).submitElement(formProps(form, propsOf(root)));
    else if (form.hasAttribute("data-update-props")) api(root).updateElement(formProps(form, propsOf(root)));
    else if (form.hasAttribute("data-call-action")) {
      api(root).callAction({ name: form.dataset.callAction, payload: formProps(form, {}) });
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () { mountAll(document); });
  document.addEventListener("htmx:load", function (event) { mountAll(event.target); });
})();

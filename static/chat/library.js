// The library page: an upload progress bar, and files dropped on the form sent at once.
(function () {
  "use strict";

  function ready(form) {
    var picker = form.querySelector('input[type="file"]');
    var bar = form.querySelector("progress");

    form.addEventListener("htmx:xhr:progress", function (event) {
      if (!event.detail.lengthComputable) { return; }
      bar.hidden = false;
      bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
    });
    form.addEventListener("htmx:afterRequest", function () {
      bar.hidden = true;
      bar.value = 0;
      picker.value = "";
      picker.dispatchEvent(new Event("change", { bubbles: true }));
    });
    form.addEventListener("dragover", function (event) {
      event.preventDefault();
      form.classList.add("upload-drop--over");
    });
    form.addEventListener("dragleave", function () { form.classList.remove("upload-drop--over"); });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      form.classList.remove("upload-drop--over");
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      picker.files = event.dataTransfer.files;
      picker.dispatchEvent(new Event("change", { bubbles: true }));
      form.requestSubmit();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-library-upload]").forEach(ready);
  });
})();

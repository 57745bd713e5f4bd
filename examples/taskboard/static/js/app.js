// Taskboard's progressive enhancement (the pages work without it). No inline scripts: the
// Content-Security-Policy allows scripts from this site only.
(function () {
  "use strict";

  function dialog() {
    return document.getElementById("confirm-dialog");
  }

  function closeDialog() {
    var d = dialog();
    if (d && d.open) d.close();
  }

  // A confirmation page fetched by htmx lands in the dialog: open it.
  // An error toast must not land behind the modal dialog (which would make it inert).
  document.addEventListener("htmx:afterSwap", function (event) {
    var d = dialog();
    if (event.detail.target && event.detail.target.id === "toasts") closeDialog();
    if (d && event.detail.target && event.detail.target.id === "dialog-body" && !d.open) {
      d.showModal();
      var first = d.querySelector("textarea, button[type=submit], button");
      if (first) first.focus();
    }
  });

  // The server says the row is gone: close the dialog (the row fades out by itself).
  document.addEventListener("taskboard:deleted", closeDialog);

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    if (target.closest("[data-close-dialog]")) {
      event.preventDefault();
      closeDialog();
    }
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var toast = dismiss.closest(".toast");
      if (toast) toast.remove();
    }
  });

  // "Select all on this page" for bulk selection.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
    var form = box.dataset.selectAll.replace("#", "");
    document.querySelectorAll('input[type=checkbox][name=ids][form="' + form + '"]').forEach(
      function (other) { other.checked = box.checked; }
    );
  });

  // Success toasts go away by themselves after a while; errors and undo offers stay longer.
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail.elt;
    if (elt instanceof Element && elt.matches(".toast-success")) {
      setTimeout(function () { elt.remove(); }, 15000);
    }
  });
})();

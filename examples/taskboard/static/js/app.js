// Taskboard's progressive enhancement (the pages work without it). No inline scripts: the
// Content-Security-Policy allows scripts from this site only. The deletion dialog, its
// progress and the Undo notice are Flask-Tombstone's (tombstone.js).
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var toast = dismiss.closest(".toast");
      if (toast) toast.remove();
    }
  });

  function boxes(form) {
    return document.querySelectorAll('input[type=checkbox][name=ids][form="' + form + '"]');
  }

  // "Delete selected…" stays disabled until something is ticked (without JavaScript it is
  // always enabled, and sending nothing gets a page asking to select something).
  function updateSelection() {
    document.querySelectorAll("[data-needs-selection]").forEach(function (button) {
      var form = button.getAttribute("data-needs-selection").replace("#", "");
      var any = Array.prototype.some.call(boxes(form), function (box) { return box.checked; });
      button.disabled = !any;
      button.title = any ? "" : "Select items to delete first";
    });
  }

  // An error toast (a 403 or 429 answering the deletion dialog) must not land behind the
  // modal dialog, which would make it inert.
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = document.getElementById("tombstone-dialog");
    if (event.detail.target && event.detail.target.id === "toasts" && box && box.open) {
      box.close();
    }
  });

  // "Select all on this page" for bulk selection.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement)) return;
    if (box.dataset.selectAll) {
      boxes(box.dataset.selectAll.replace("#", "")).forEach(function (other) {
        other.checked = box.checked;
      });
    }
    if (box.type === "checkbox") updateSelection();
  });

  document.addEventListener("DOMContentLoaded", updateSelection);
  document.addEventListener("htmx:load", updateSelection);
  // Back/forward cache: the boxes keep their state, the button must follow.
  window.addEventListener("pageshow", updateSelection);

  // Success toasts go away by themselves after a while; errors and undo offers stay longer.
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail.elt;
    if (elt instanceof Element && elt.matches(".toast-success")) {
      setTimeout(function () { elt.remove(); }, 15000);
    }
  });
})();

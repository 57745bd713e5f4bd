/* Flask-Tombstone's views, enhanced: a row's Delete link opens its confirmation page in a
   dialog (htmx fetches it), refusals stay in the dialog, and a done deletion fades its row out,
   then navigates where the page says (HX-Redirect) with the Undo notice focused. Without this file, or without
   htmx, every link and form works as a plain page. */
(function () {
  "use strict";
  /* Once per document: htmx runs a boosted page's scripts again, and a second set of
     listeners would open the dialog twice and navigate twice after a deletion (the second
     load would find the notice already shown by the first). */
  if (window.tombstoneViews) return;
  window.tombstoneViews = true;
  var BODY = "tombstone-dialog-body";
  var FADE_MS = 300;
  var opener = null; /* the Delete link whose confirmation the dialog shows */

  function dialog() {
    return document.getElementById("tombstone-dialog");
  }

  function focusFirst(box) {
    var target = box.querySelector("button[type=submit]") || box.querySelector("a, button");
    if (target) target.focus();
  }

  document.addEventListener("click", function (event) {
    var origin = event.target instanceof Element ? event.target : null;
    var link = origin && origin.closest("a[data-tombstone-confirm]");
    var box = dialog();
    if (!link || !box || !window.htmx || typeof box.showModal !== "function") return;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    opener = link;
    link.setAttribute("aria-busy", "true");
    window.htmx
      .ajax("GET", link.href, { target: "#" + BODY, swap: "innerHTML", source: link })
      .then(function () {
        link.removeAttribute("aria-busy");
        if (!box.open) box.showModal();
        focusFirst(box);
      });
  });

  document.addEventListener("click", function (event) {
    var origin = event.target instanceof Element ? event.target : null;
    var box = dialog();
    if (origin && origin.closest("[data-tombstone-close]") && box && box.open) {
      event.preventDefault();
      box.close();
    }
  });

  /* A refused confirmation (409, 422) is a page to show in the dialog, not an error to drop. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === BODY && event.detail.xhr.status >= 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  /* Done: the dialog closes, the deleted row fades out (unless the reader asked for less
     motion), then the page the answer names loads: the list as it is now, with the notice. */
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail.xhr;
    var target = event.detail.target;
    var url = xhr && xhr.getResponseHeader("HX-Redirect");
    if (!url || !target || target.id !== BODY) return;
    event.preventDefault();
    var box = dialog();
    if (box && box.open) box.close();
    var row = opener && opener.closest("[data-tombstone-row], tr, li");
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    function go() {
      window.location.assign(url);
    }
    if (!row || still) return go();
    row.classList.add("tombstone-fading");
    window.setTimeout(go, FADE_MS);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var box = dialog();
    if (box && box.open && event.detail.target && event.detail.target.id === BODY) focusFirst(box);
  });
})();

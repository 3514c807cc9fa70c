// The agent's comment composer: the submit button says who will read the post and takes a warning colour for a
// public one. The composer starts on "internal" after every post (the server renders it so); this script also
// resets it when the browser restores a page from its back/forward cache, and follows htmx swaps.
(function () {
  "use strict";

  function sync(form) {
    var button = form.querySelector("[data-comment-submit]");
    var checked = form.querySelector("input[data-comment-visibility]:checked");
    if (!button) { return; }
    var isPublic = !!checked && checked.value === "public";
    button.textContent = button.getAttribute(isPublic ? "data-public-label" : "data-internal-label");
    button.classList.toggle("btn-warning", isPublic);
    button.classList.toggle("btn-secondary", !isPublic);
  }

  function syncAll(root) {
    root.querySelectorAll("form.comment-form").forEach(sync);
  }

  function resetToInternal(root) {
    root.querySelectorAll("form.comment-form input[data-comment-visibility][value='internal']")
      .forEach(function (radio) { radio.checked = true; });
    syncAll(root);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input[data-comment-visibility]") && target.form) { sync(target.form); }
  });
  document.addEventListener("DOMContentLoaded", function () { syncAll(document); });
  document.addEventListener("htmx:afterSettle", function () { syncAll(document); });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { resetToInternal(document); }  // restored from the back/forward cache
  });
})();

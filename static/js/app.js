// Behaviour shared by every page. No inline scripts anywhere: the Content-Security-Policy forbids them.
// Everything here is progressive enhancement: every page also works without JavaScript.
(function () {
  "use strict";

  // Focus the first invalid field after a failed form submission, so keyboard and screen-reader users land on it.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); }
    enhance(document);
  });

  function enhance(root) {
    showFieldsForState(root);
    narrowSubcategories(root);
  }

  // "Select all" check box of a table: <input type="checkbox" data-select-all="numbers">.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("[data-select-all]")) {
      var form = box.form || document;
      form.querySelectorAll("input[type='checkbox'][name='" + box.getAttribute("data-select-all") + "']")
        .forEach(function (other) { other.checked = box.checked; });
    }
  });

  // A text box whose Enter belongs to one button of a larger form (data-enter-clicks="<button id>"), not to the
  // form's first button.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key === "Enter" && input.matches && input.matches("input[data-enter-clicks]")) {
      var button = document.getElementById(input.getAttribute("data-enter-clicks"));
      if (button) { event.preventDefault(); button.click(); }
    }
  });

  // A people search box (data-search-on-enter): Enter searches (htmx listens to "search") instead of submitting
  // the whole form. Without JavaScript, Enter submits and the form answers with the people found.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key === "Enter" && input.matches && input.matches("input[data-search-on-enter]")) {
      event.preventDefault();
      input.dispatchEvent(new Event("search"));
    }
  });

  // Show only the fields the chosen state needs (hold reason, resolution): [data-state-fields] wraps a select
  // named "state" and blocks marked data-show-for="<state>".
  function showFieldsForState(root) {
    root.querySelectorAll("[data-state-fields]").forEach(function (group) {
      var select = group.querySelector("select[name='state']");
      if (!select) { return; }
      var update = function () {
        group.querySelectorAll("[data-show-for]").forEach(function (block) {
          block.classList.toggle("d-none", block.getAttribute("data-show-for") !== select.value);
        });
      };
      select.addEventListener("change", update);
      update();
    });
  }

  // Offer only the subcategories of the chosen category (options carry data-parent).
  function narrowSubcategories(root) {
    root.querySelectorAll("select[name='category']").forEach(function (category) {
      var form = category.form;
      var sub = form && form.querySelector("select[name='subcategory']");
      if (!sub) { return; }
      var update = function () {
        Array.prototype.forEach.call(sub.options, function (option) {
          var parent = option.getAttribute("data-parent");
          var hide = parent !== null && parent !== category.value;
          option.hidden = hide;
          option.disabled = hide;
          if (hide && option.selected) { sub.value = ""; }
        });
      };
      category.addEventListener("change", update);
      update();
    });
  }

  // Forms marked data-preserve-edits remember that the user typed in them; an out-of-band swap never replaces
  // such a form (the server then detects the stale version on save and keeps the input).
  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);
  function markDirty(event) {
    var form = event.target && event.target.closest && event.target.closest("form[data-preserve-edits]");
    if (form) { form.setAttribute("data-dirty", "true"); }
  }
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (target && (target.matches("form[data-dirty]") || target.querySelector("form[data-dirty]"))) {
      event.detail.shouldSwap = false;
    }
  });

  // Content htmx inserted (the main swap and out-of-band ones) gets the same enhancements as the page.
  document.addEventListener("htmx:load", function (event) {
    if (event.target && event.target.querySelectorAll) { enhance(event.target); }
  });

  // After a swap, put the focus somewhere sensible if it was lost with the replaced content: the first invalid
  // field, else the element marked data-focus-after-swap, else the first field of the new content.
  // Out-of-band panels settle too: only the request's own target (same id) takes the focus. Content loaded on
  // its own after the page (data-passive, e.g. the known-error suggestions) never takes it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var original = event.detail && event.detail.target;
    var target = event.target;
    if (!original || !target || !target.querySelector || !target.id || target.id !== original.id) { return; }
    if (target.hasAttribute("data-passive")) { return; }
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) { return; }
    var next = target.querySelector("[aria-invalid='true']") || target.querySelector("[data-focus-after-swap]") ||
      target.querySelector("textarea, input:not([type='hidden']), select, button");
    if (next) { next.focus(); }
  });

  // The session expired: htmx followed the redirect to the sign-in page. Go there as a whole page instead of
  // swapping the sign-in form into a panel.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && xhr.responseURL.indexOf("/accounts/login/") !== -1) {
      event.detail.shouldSwap = false;
      var login = new URL(xhr.responseURL);
      login.search = "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
      window.location.assign(login.toString());
    }
  });

  // A request htmx could not complete (403, 404, 500, network): say so instead of doing nothing.
  function showError(text) {
    var region = document.getElementById("ticket-status") || document.querySelector("main .messages");
    if (!region) {
      region = document.createElement("div");
      region.className = "messages";
      region.setAttribute("role", "status");
      var container = document.querySelector("main > div");
      if (container) { container.prepend(region); }
    }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger py-2 mb-3";
    alert.textContent = text;
    region.replaceChildren(alert);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    showError(status === 403 ? "You are not allowed to do that (403). Reload the page: your session may have expired." :
      status === 404 ? "This no longer exists or you cannot see it (404). Reload the page." :
      "Something went wrong (" + status + "). Nothing may have been saved: reload the page and try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    showError("The service desk could not be reached. Check your connection and try again.");
  });
})();

// Keyboard shortcuts of the agent's pages (templates/components/shortcuts.html lists them): an element marked
// data-shortcut="<key>" is clicked (a button), focused (a field) or opened (a <details>); j / k walk the tickets of
// the last queue the agent opened (its links are marked data-ticket-link). Never while typing or with a modifier.
(function () {
  "use strict";
  var LIST_KEY = "itsm.ticket-list";
  var SHORTCUT_KEYS = ["a", "c", "r"];  // the keys elements may claim with data-shortcut

  document.addEventListener("DOMContentLoaded", function () {
    var links = Array.prototype.map.call(document.querySelectorAll("a[data-ticket-link]"), function (a) {
      return a.pathname;
    });
    if (links.length) {
      try { sessionStorage.setItem(LIST_KEY, JSON.stringify(links)); } catch (e) { /* private mode: no list */ }
    }
  });

  function walk(step) {
    var list;
    try { list = JSON.parse(sessionStorage.getItem(LIST_KEY) || "[]"); } catch (e) { list = []; }
    if (!list.length) { return; }
    var index = list.indexOf(window.location.pathname);
    var next = index === -1 ? (step > 0 ? 0 : -1) : index + step;
    if (next >= 0 && next < list.length) { window.location.assign(list[next]); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    var typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable='true']");
    if (typing) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var help = document.getElementById("shortcut-help");
    if (event.key === "?" && help && help.showModal) {
      event.preventDefault();
      if (help.open) { help.close(); } else { help.showModal(); }
      return;
    }
    if (event.key === "j" || event.key === "k") {
      if (document.querySelector("a[data-ticket-link], [data-presence]")) {
        event.preventDefault();
        walk(event.key === "j" ? 1 : -1);
      }
      return;
    }
    if (SHORTCUT_KEYS.indexOf(event.key) === -1) { return; }
    var target = document.querySelector("[data-shortcut='" + event.key + "']");
    if (!target) { return; }
    event.preventDefault();
    if (target.tagName === "DETAILS") {
      target.open = true;
      var first = target.querySelector("textarea, select, input:not([type='hidden'])");
      if (first) { first.focus(); }
    } else if (target.matches("textarea, input, select")) {
      target.focus();
    } else {
      target.click();
    }
  });
})();

// Presence on a ticket page (templates/components/ticket_presence.html): tell the others at once when this
// agent starts typing in one of the page's forms, and that they left when the page goes away.
(function () {
  "use strict";
  document.addEventListener("input", function (event) {
    var beat = document.querySelector("form[data-presence]");
    if (!beat || !event.target.form || event.target.form === beat) { return; }
    var editing = beat.querySelector("input[name='editing']");
    if (editing.value !== "1") {
      editing.value = "1";
      if (window.htmx) { window.htmx.trigger(beat, "presence-edit"); }
    }
  });
  document.addEventListener("submit", function (event) {
    var beat = document.querySelector("form[data-presence]");
    if (beat && event.target !== beat) { beat.querySelector("input[name='editing']").value = "0"; }
  });
  window.addEventListener("pagehide", function () {
    var beat = document.querySelector("form[data-presence]");
    if (!beat || !navigator.sendBeacon) { return; }
    var data = new FormData(beat);
    data.set("leaving", "1");
    navigator.sendBeacon(beat.getAttribute("action"), data);
  });
})();

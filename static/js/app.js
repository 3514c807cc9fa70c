// Behaviour shared by every page. No inline scripts anywhere: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  // Focus the first invalid field after a failed form submission, so keyboard and screen-reader users land on it.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); }
  });
})();

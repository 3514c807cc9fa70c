// A select marked data-auto-submit sends its form as soon as it changes (the portal knowledge base's filters):
// no separate "Apply" button. Without JavaScript the form's own button sends it.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-auto-submit]") && target.form) {
      target.form.requestSubmit();
    }
  });
})();

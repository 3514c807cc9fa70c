// The catalog's order form: a field with data-show-when="other" data-show-value="v" shows only while the field
// "other" shows and has that value (a multiple choice: contains it; a yes/no: "yes" or "no"). A hidden field's
// inputs are disabled, so the browser does not send them: the server ignores hidden fields anyway.
(function () {
  "use strict";
  function valuesOf(form, name) {
    var box = form.querySelector('[data-field="' + name + '"]');
    if (!box || box.hidden) { return null; }
    var inputs = box.querySelectorAll('[name="v-' + name + '"]');
    var values = [];
    inputs.forEach(function (input) {
      if (input.type === "checkbox") {
        if (input.value === "on" || !input.hasAttribute("value")) { values.push(input.checked ? "yes" : "no"); }
        else if (input.checked) { values.push(input.value); }
      } else if (input.value !== "") { values.push(input.value); }
    });
    return values;
  }
  function refresh(form) {
    var changed = true;
    var rounds = 0;
    while (changed && rounds < 20) {  // a field may depend on one that depends on another
      changed = false;
      rounds += 1;
      form.querySelectorAll("[data-show-when]").forEach(function (box) {
        var values = valuesOf(form, box.dataset.showWhen);
        var wanted = box.dataset.showValue;
        var show = values !== null && (values.indexOf(wanted) !== -1 ||
          (wanted.toLowerCase() === "true" && values.indexOf("yes") !== -1) ||
          (wanted.toLowerCase() === "false" && values.indexOf("no") !== -1));
        if (box.hidden === show) {
          box.hidden = !show;
          changed = true;
        }
        box.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !show; });
      });
    }
  }
  document.querySelectorAll("[data-catalog-form]").forEach(function (form) {
    form.addEventListener("change", function () { refresh(form); });
    form.addEventListener("input", function () { refresh(form); });
    refresh(form);
  });
})();

// "Insert in reply" on a suggested article (the knowledge panel of an incident's page): its title and portal link
// go into the comment composer. An empty composer turns to a reply to the requester (the article is public); one
// with text keeps the agent's choice, so a work note being written never becomes public by this button. The
// article also becomes the resolution's "Solved by article" when that field is still empty.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-kb-insert]") : null;
    if (!button) { return; }
    var form = document.querySelector("form.comment-form");
    var body = form && form.querySelector("textarea[name='body']");
    if (!body) { return; }
    var text = button.getAttribute("data-kb-insert");
    var wasEmpty = body.value.trim() === "";
    body.value = wasEmpty ? text : body.value.replace(/\s*$/, "") + "\n" + text;
    if (wasEmpty) {
      var reply = form.querySelector("input[data-comment-visibility][value='public']");
      if (reply) {
        reply.checked = true;
        reply.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
    document.querySelectorAll("input[data-solved-by]").forEach(function (input) {
      if (!input.value) { input.value = button.getAttribute("data-kb-number"); }
    });
    body.focus();
    button.textContent = "Inserted";
  });
})();

// Send the CSRF token with every htmx request (the cookie is HttpOnly; the page carries the value).
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { event.detail.headers["X-CSRF-Token"] = meta.content; }
});

// "Fill in the form" buttons carry the values as data-<field name> attributes (no inline script).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-prefill]");
  if (!button) { return; }
  var form = button.closest("form");
  Object.keys(button.dataset).forEach(function (key) {
    if (key === "prefill") { return; }
    var field = form && form.querySelector('[name="' + key + '"]');
    if (field && button.dataset[key] !== "") { field.value = button.dataset[key]; }
  });
});

// After a failed submit the page comes back with the error: bring it into view where the user is.
document.addEventListener("DOMContentLoaded", function () {
  var problem = document.querySelector("[data-error-here]") || document.querySelector(".is-invalid");
  if (problem && problem.scrollIntoView) {
    problem.scrollIntoView({block: "center"});
    if (problem.focus) { problem.focus({preventScroll: true}); }
  }
});

// "Go back" buttons (a javascript: URL would be refused by the content security policy).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-history-back]")) { history.back(); }
});

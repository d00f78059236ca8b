// The top bar's search box: "/" (outside a text field) and Ctrl+K / ⌘K focus it; Esc leaves it.
// Where the box is hidden (the collapsed menu on a phone) the shortcuts open the search page.
(function () {
  "use strict";
  var form = document.getElementById("topsearch");
  var input = document.getElementById("topsearch-q");
  if (!form || !input) return;

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function focusBox() {
    if (input.offsetParent === null) {
      window.location.href = form.getAttribute("action");
      return;
    }
    input.focus();
    input.select();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) return;
    var key = event.key;
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (key === "k" || key === "K")) {
      event.preventDefault();
      focusBox();
    } else if (key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target)) {
      event.preventDefault();
      focusBox();
    } else if (key === "Escape" && event.target === input) {
      input.blur();
    }
  });

  form.addEventListener("submit", function (event) {
    if (!input.value.trim()) {
      event.preventDefault();
      input.focus();
    }
  });
})();

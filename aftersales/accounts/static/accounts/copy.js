// Copy buttons: <button data-copy-target="#id"> copies that element's text (a token or secret shown once).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy-target]");
  if (!button) return;
  var source = document.querySelector(button.getAttribute("data-copy-target"));
  if (!source) return;
  var text = source.textContent.trim();
  function done(ok) {
    var label = button.querySelector(".copy-label");
    if (label) label.textContent = ok ? button.getAttribute("data-copied") : button.getAttribute("data-failed");
    button.classList.toggle("btn-success", ok);
    button.classList.toggle("btn-outline-dark", !ok);
    button.dataset.copied = ok ? "1" : "0";
  }
  function fallback() {
    // Without the clipboard API (plain http on another host): select the text for Ctrl+C.
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    done(ok);
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
  } else {
    fallback();
  }
});

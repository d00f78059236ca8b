/* Technician's phone: location for check-in/out when the phone gives it, and the signature pad. */
(function () {
  "use strict";

  // Fill hidden latitude/longitude inputs of forms marked data-geo; submitting never waits long for it.
  function locate(form, done) {
    if (!navigator.geolocation) { done(); return; }
    var finished = false;
    var finish = function () { if (!finished) { finished = true; done(); } };
    setTimeout(finish, 4000);
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.querySelector("[name=latitude]").value = pos.coords.latitude.toFixed(6);
      form.querySelector("[name=longitude]").value = pos.coords.longitude.toFixed(6);
      finish();
    }, finish, { enableHighAccuracy: true, timeout: 3500, maximumAge: 60000 });
  }

  document.querySelectorAll("form[data-geo]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (form.dataset.located) { return; }
      e.preventDefault();
      locate(form, function () { form.dataset.located = "1"; form.requestSubmit ? form.requestSubmit() : form.submit(); });
    });
  });

  // Signature pad: pointer, mouse and touch strokes on a canvas, saved as a PNG data URL.
  var canvas = document.getElementById("signature-pad");
  if (!canvas) { return; }
  var input = document.getElementById("id_signature");
  var ctx = canvas.getContext("2d");
  var drawing = false, strokes = 0;

  function fit() {
    var ratio = window.devicePixelRatio || 1;
    var rect = canvas.getBoundingClientRect();
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
    strokes = 0; input.value = "";
  }
  function point(e) {
    var rect = canvas.getBoundingClientRect();
    var src = e.touches ? e.touches[0] : e;
    return { x: src.clientX - rect.left, y: src.clientY - rect.top };
  }
  function start(e) { e.preventDefault(); drawing = true; var p = point(e); ctx.beginPath(); ctx.moveTo(p.x, p.y); }
  function move(e) { if (!drawing) { return; } e.preventDefault(); var p = point(e); ctx.lineTo(p.x, p.y); ctx.stroke(); }
  function end() { if (!drawing) { return; } drawing = false; strokes += 1; input.value = canvas.toDataURL("image/png"); }

  if (window.PointerEvent) {
    canvas.addEventListener("pointerdown", start);
    canvas.addEventListener("pointermove", move);
    window.addEventListener("pointerup", end);
  } else {
    canvas.addEventListener("mousedown", start);
    canvas.addEventListener("mousemove", move);
    window.addEventListener("mouseup", end);
    canvas.addEventListener("touchstart", start, { passive: false });
    canvas.addEventListener("touchmove", move, { passive: false });
    canvas.addEventListener("touchend", end);
  }
  document.getElementById("signature-clear").addEventListener("click", fit);
  fit();
})();

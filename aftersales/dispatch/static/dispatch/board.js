/* Dispatcher board: drag a visit to another technician or time (HTML5 drag and drop + HTMX),
   the planning objective, and the day's map (Leaflet over the organization's tile service, or a
   schematic in kilometres with the service-radius circles when there is none or it does not load). */
(function () {
  "use strict";
  var dragged = null;

  function columnAt(lane, clientX) {
    var rect = lane.getBoundingClientRect();
    var cols = parseInt(getComputedStyle(lane.closest(".dispatch-board")).getPropertyValue("--cols"), 10) || 56;
    var x = Math.min(Math.max(clientX - rect.left, 0), rect.width - 1);
    return Math.floor(x / rect.width * cols);
  }

  function slotStart(board, column) {
    // The axis starts at data-axis-start o'clock, 15 minutes a column; windows start on the slot grid.
    var axis = parseInt(board.dataset.axisStart, 10);
    var slot = parseInt(board.dataset.slotHours, 10);
    var first = parseInt(board.dataset.firstSlot, 10);
    var hour = axis + column / 4;
    var snapped = Math.max(first, first + Math.floor((hour - first) / slot) * slot);
    return board.dataset.day + "T" + String(snapped).padStart(2, "0") + ":00:00" + board.dataset.offset;
  }

  function bind() {
    var board = document.getElementById("board");
    if (!board) { return; }
    board.querySelectorAll(".board-block[draggable=true]").forEach(function (block) {
      block.addEventListener("dragstart", function (e) {
        dragged = block;
        block.classList.add("dragging");
        e.dataTransfer.effectAllowed = "move";
        e.dataTransfer.setData("text/plain", block.dataset.appointment);
      });
      block.addEventListener("dragend", function () { block.classList.remove("dragging"); dragged = null; });
    });
    board.querySelectorAll(".board-lane").forEach(function (lane) {
      lane.addEventListener("dragover", function (e) { e.preventDefault(); lane.classList.add("drop-target"); });
      lane.addEventListener("dragleave", function () { lane.classList.remove("drop-target"); });
      lane.addEventListener("drop", function (e) {
        e.preventDefault();
        lane.classList.remove("drop-target");
        var id = e.dataTransfer.getData("text/plain") || (dragged && dragged.dataset.appointment);
        if (!id) { return; }
        var source = board.querySelector('.board-block[data-appointment="' + id + '"]');
        var start = slotStart(board, columnAt(lane, e.clientX));
        var values = { appointment: id, technician: lane.dataset.technician, station: board.dataset.station, date: board.dataset.day };
        if (!source || start !== source.dataset.windowStart) { values.start = start; }
        window.htmx.ajax("POST", board.dataset.reassignUrl, { target: "#board", swap: "outerHTML", values: values });
      });
    });
    bindObjective();
    drawMap();
  }

  // --- the objective form: the balance fields only matter for a balanced plan ------------------
  function bindObjective() {
    var objective = document.getElementById("plan-objective");
    var by = document.getElementById("plan-balance-by");
    if (!objective || !by) { return; }
    var units = { visits: by.form.dataset.unitVisits, work_time: by.form.dataset.unitWork };
    function update() {
      document.querySelectorAll("#plan-form .plan-balance").forEach(function (el) {
        el.hidden = objective.value !== "balanced";
      });
      var unit = document.getElementById("plan-spread-unit");
      if (unit && units[by.value]) { unit.textContent = units[by.value]; }
    }
    objective.addEventListener("change", update);
    by.addEventListener("change", update);
    update();
  }

  // --- the map: Leaflet over the organization's tile service, or a schematic in kilometres -----
  var PI = Math.PI, A = 6378245.0, EE = 0.00669342162296594323;

  function outOfChina(lat, lon) { return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271; }

  function wgsToGcj(lat, lon) {
    // Public WGS-84 -> GCJ-02 approximation; AMap's tiles are drawn in GCJ-02.
    if (outOfChina(lat, lon)) { return [lat, lon]; }
    var x = lon - 105.0, y = lat - 35.0;
    var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    dLat += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dLat += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    dLon += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dLon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radLat = lat / 180.0 * PI, magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * PI);
    dLon = (dLon * 180.0) / (A / sqrtMagic * Math.cos(radLat) * PI);
    return [lat + dLat, lon + dLon];
  }

  function draw(map, d, project, radiusUnit) {
    // radiusUnit: map units per kilometre for circles (1000 on a real map, 1 on the schematic)
    var L = window.L, bounds = [];
    d.stations.forEach(function (s) {
      var c = project(s.lat, s.lon);
      if (s.radius_km > 0) {
        var circle = L.circle(c, { radius: s.radius_km * radiusUnit, color: "#6f42c1", weight: 1,
          fillOpacity: s.current ? 0.06 : 0.03, dashArray: s.current ? null : "4 4", className: "station-radius" })
          .bindTooltip(s.name + " · " + d.labels.radius.replace("%(km)s", s.radius_km)).addTo(map);
        if (s.current) { bounds.push(circle.getBounds().getNorthEast(), circle.getBounds().getSouthWest()); }
      }
      L.circleMarker(c, { radius: 7, color: "#fff", weight: 2, fillColor: "#6f42c1", fillOpacity: 1, className: "station-marker" })
        .bindTooltip(d.labels.station + "：" + s.name).addTo(map);
      if (s.current) { bounds.push(c); }
    });
    d.routes.forEach(function (r) {
      if (r.path.length) {
        var line = r.path.map(function (p) { return project(p[0], p[1]); });
        L.polyline(line, { color: r.colour, weight: 3, opacity: 0.85, className: "route-line" })
          .bindTooltip(r.technician + " · " + r.visits.length + " " + d.labels.visits + " · " + r.km + " " + d.labels.km).addTo(map);
        bounds.push.apply(bounds, line);
      }
      r.visits.forEach(function (v) {
        var c = project(v.lat, v.lon);
        L.circleMarker(c, { radius: 9, color: "#fff", weight: 2, fillColor: r.colour, fillOpacity: 1, className: "visit-marker" })
          .bindTooltip(String(v.seq || ""), { permanent: true, direction: "center", className: "visit-seq" })
          .bindPopup(v.number + " · " + r.technician + " · " + v.window).addTo(map);
      });
    });
    d.loose.forEach(function (v) {
      var c = project(v.lat, v.lon);
      L.circleMarker(c, { radius: 7, color: "#fff", weight: 2, fillColor: "#adb5bd", fillOpacity: 1, className: "visit-marker" })
        .bindPopup(v.number + " · " + d.labels.unplanned + " · " + v.window).addTo(map);
      bounds.push(c);
    });
    if (bounds.length > 1) { map.fitBounds(L.latLngBounds(bounds), { padding: [24, 24], maxZoom: 14 }); }
  }

  function schematic(el, d, why) {
    // No tiles: plot in kilometres east/north of the station, so the circles are true to scale.
    var L = window.L;
    var lat0 = d.centre[0], lon0 = d.centre[1], kx = 111.320 * Math.cos(lat0 * PI / 180), ky = 110.574;
    var project = function (lat, lon) { return L.latLng((lat - lat0) * ky, (lon - lon0) * kx); };
    var map = L.map(el, { crs: L.CRS.Simple, minZoom: -3, maxZoom: 6, zoomSnap: 0.25, attributionControl: false });
    el.classList.add("map-schematic");
    map.setView([0, 0], 2);
    draw(map, d, project, 1);
    // A kilometre grid stands in for the base map.
    var seen = map.getBounds(), span = Math.max(seen.getEast() - seen.getWest(), seen.getNorth() - seen.getSouth());
    var step = [1, 2, 5, 10, 20, 50, 100].find(function (s) { return span / s <= 10; }) || 200;
    var b = seen.pad(3);
    for (var x = Math.floor(b.getWest() / step) * step; x <= b.getEast(); x += step) {
      L.polyline([[b.getSouth(), x], [b.getNorth(), x]], { color: "#dee2e6", weight: 1, interactive: false }).addTo(map).bringToBack();
    }
    for (var y = Math.floor(b.getSouth() / step) * step; y <= b.getNorth(); y += step) {
      L.polyline([[y, b.getWest()], [y, b.getEast()]], { color: "#dee2e6", weight: 1, interactive: false }).addTo(map).bringToBack();
    }
    var mode = document.getElementById("map-mode");
    if (mode) { mode.textContent = (why ? why + " " : "") + d.labels.schematic + " " + d.labels.grid.replace("%(km)s", step); }
    el.dataset.mode = "schematic";
    return map;
  }

  function tiled(el, d) {
    var L = window.L, t = d.tiles, switched = false, loaded = false;
    var project = t.gcj02 ? wgsToGcj : function (lat, lon) { return [lat, lon]; };
    var map = L.map(el, { zoomSnap: 0.5 });
    map.setView(project(d.centre[0], d.centre[1]), 11);
    var options = { subdomains: t.subdomains || "abc", key: t.key || "", attribution: t.attribution, maxZoom: 18 };
    var layer = L.tileLayer(t.url, options);
    function fallBack() {
      if (switched || loaded || el._dispatchMap !== map) { return; }
      switched = true;
      map.remove();
      el.classList.remove("leaflet-container");
      el.innerHTML = "";
      el._dispatchMap = schematic(el, d, d.labels.tiles_failed);
    }
    layer.on("tileerror", fallBack);
    layer.on("tileload", function () { loaded = true; });
    layer.addTo(map);
    if (t.overlay) { L.tileLayer(t.overlay, options).addTo(map); }
    draw(map, d, project, 1000);
    L.control.scale({ imperial: false }).addTo(map);
    el.dataset.mode = "tiles";
    // A tile service that does not answer at all fires no error: give it a few seconds.
    window.setTimeout(fallBack, 6000);
    return map;
  }

  function drawMap() {
    var el = document.getElementById("dispatch-map");
    var source = document.getElementById("dispatch-map-data");
    if (!el || !source || !window.L) { return; }
    if (el._dispatchMap) { el._dispatchMap.remove(); el._dispatchMap = null; }
    var d = JSON.parse(source.textContent);
    el._dispatchMap = d.tiles ? tiled(el, d) : schematic(el, d, "");
  }

  document.addEventListener("DOMContentLoaded", bind);
  // After settling, not swapping: htmx's settle step resets the class attribute of elements whose
  // id it kept, which would strip Leaflet's classes from the map container.
  document.addEventListener("htmx:afterSettle", bind);
  window.addEventListener("resize", function () {
    var el = document.getElementById("dispatch-map");
    if (el && el._dispatchMap) { el._dispatchMap.invalidateSize(); }
  });
})();

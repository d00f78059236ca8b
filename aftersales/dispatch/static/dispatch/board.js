/* Dispatcher board: drag a visit to another technician or time (HTML5 drag and drop + HTMX),
   and the day's map (Apache ECharts scatter on longitude/latitude; no tile server needed). */
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
    drawMap();
  }

  function drawMap() {
    var el = document.getElementById("dispatch-map");
    var source = document.getElementById("dispatch-map-data");
    if (!el || !source || !window.echarts) { return; }
    var d = JSON.parse(source.textContent);
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
    var series = [
      { name: d.labels.station, type: "scatter", symbol: "pin", symbolSize: 34, data: d.stations, itemStyle: { color: "#6f42c1" },
        label: { show: true, position: "bottom", formatter: "{b}", fontSize: 10 } },
      { name: d.labels.jobs, type: "scatter", symbolSize: 14, data: d.jobs, itemStyle: { color: "#0aa2c0" },
        label: { show: true, formatter: function (p) { return p.data.seq || ""; }, color: "#fff", fontSize: 9 } }
    ];
    d.paths.forEach(function (path) {
      series.push({ name: path.name, type: "line", data: path.coords, symbol: "none", lineStyle: { width: 2, opacity: 0.7 } });
    });
    chart.setOption({
      tooltip: { trigger: "item", formatter: function (p) { return (p.data && p.data.name ? p.data.name : p.seriesName) + (p.data && p.data.tech ? " · " + p.data.tech : ""); } },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 48, right: 16, top: 16, bottom: 48 },
      xAxis: { type: "value", scale: true, name: d.labels.lon, axisLabel: { formatter: "{value}°" } },
      yAxis: { type: "value", scale: true, name: d.labels.lat, axisLabel: { formatter: "{value}°" } },
      series: series
    }, true);
  }

  document.addEventListener("DOMContentLoaded", bind);
  document.addEventListener("htmx:afterSwap", bind);
  window.addEventListener("resize", function () {
    var el = document.getElementById("dispatch-map");
    var chart = el && window.echarts ? window.echarts.getInstanceByDom(el) : null;
    if (chart) { chart.resize(); }
  });
})();

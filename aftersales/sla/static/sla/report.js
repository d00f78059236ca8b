/* Weekly SLA compliance chart (Apache ECharts). Data comes from the page's json_script. */
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("sla-weekly-chart");
    var source = document.getElementById("sla-weekly-data");
    if (!el || !source || !window.echarts) { return; }
    var d = JSON.parse(source.textContent);
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: [d.labels.met, d.labels.breached, d.labels.percent] },
      grid: { left: 48, right: 48, top: 40, bottom: 32 },
      xAxis: { type: "category", data: d.weeks },
      yAxis: [
        { type: "value", name: d.labels.count, minInterval: 1 },
        { type: "value", name: "%", min: 0, max: 100 }
      ],
      series: [
        { name: d.labels.met, type: "bar", stack: "n", data: d.met, itemStyle: { color: "#198754" } },
        { name: d.labels.breached, type: "bar", stack: "n", data: d.breached, itemStyle: { color: "#dc3545" } },
        { name: d.labels.percent, type: "line", yAxisIndex: 1, data: d.percent, connectNulls: true,
          itemStyle: { color: "#0d6efd" } }
      ]
    }, true);
    chart.off("click");
    // A week's bar opens the breaches behind it.
    chart.on("click", function (params) {
      var link = d.links[params.dataIndex];
      if (link) { window.location.href = link; }
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSwap", draw);
  window.addEventListener("resize", function () {
    var el = document.getElementById("sla-weekly-chart");
    var chart = el && window.echarts ? window.echarts.getInstanceByDom(el) : null;
    if (chart) { chart.resize(); }
  });
})();

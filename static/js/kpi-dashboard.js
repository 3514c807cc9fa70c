// The KPI dashboard's trend charts (Chart.js, served from node_modules): one line per KPI card, its target as a
// dashed line, a point's click opens what is behind that month's figure. No inline scripts (the CSP forbids
// them): the figures come from <script type="application/json" id="kpi-chart-data"> (Django's json_script).
// The table next to each chart carries the same figures and links, so nothing depends on this file.
(function () {
  "use strict";

  var readData = window.itsmChartData.read;
  var follow = window.itsmChartData.follow;  // into this site only

  function drawChart(canvas, series) {
    if (!series || typeof window.Chart === "undefined") { return; }
    var datasets = [{
      label: series.label, data: series.values, borderColor: "#1d4e89", backgroundColor: "#1d4e89",
      pointRadius: 4, pointHoverRadius: 6, spanGaps: true, tension: 0.2
    }];
    if (series.target !== null && series.target !== undefined) {
      datasets.push({
        label: "Target", data: series.labels.map(function () { return series.target; }),
        borderColor: "#198754", borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5
      });
    }
    var chart = new window.Chart(canvas, {
      type: "line",
      data: { labels: series.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: datasets.length > 1, position: "bottom", labels: { boxHeight: 2 } } },
        scales: {
          y: { beginAtZero: true, title: { display: true, text: series.unit } },
          x: { ticks: { autoSkip: true, maxRotation: 0 } }
        },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
        onClick: function (event, elements) {
          var hit = elements.filter(function (e) { return e.datasetIndex === 0; });
          if (hit.length) { follow(series.urls[hit[0].index]); }
        }
      }
    });
    canvas.chart = chart;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var cache = {};
    document.querySelectorAll("canvas[data-kpi-chart]").forEach(function (canvas) {
      var source = canvas.getAttribute("data-chart-source");
      if (!(source in cache)) { cache[source] = readData(source); }
      var data = cache[source];
      drawChart(canvas, data && data[canvas.getAttribute("data-kpi-chart")]);
    });
  });
})();

// A capacity metric's chart (Chart.js, served from node_modules): its samples, the fitted forecast line up to
// the capacity, the capacity and the warning and critical thresholds. No inline script (the Content-Security-
// Policy forbids them): the figures come from a <script type="application/json"> written by json_script.
// Times are milliseconds on a linear axis labelled as dates (no date adapter needed).
(function () {
  "use strict";

  var readData = window.itsmChartData.read;

  function day(ms) {
    return new Date(ms).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
  }

  function level(data, value, label, colour, dash) {
    return { label: label, data: [{ x: data.start, y: value }, { x: data.end, y: value }], borderColor: colour,
             borderDash: dash, borderWidth: 1.5, pointRadius: 0, fill: false };
  }

  function draw(canvas) {
    var data = readData(canvas.getAttribute("data-capacity-chart"));
    if (!data || typeof window.Chart === "undefined") { return; }
    var unit = data.unit ? " " + data.unit : "";
    var datasets = [
      { label: "Measured", data: data.samples, borderColor: "#1d4e89", backgroundColor: "rgba(29,78,137,.12)",
        borderWidth: 2, pointRadius: data.samples.length > 60 ? 0 : 2, fill: true },
      level(data, data.capacity, "Capacity", "#b02a37", []),
      level(data, data.critical, "Critical", "#dc3545", [6, 4]),
      level(data, data.warning, "Warning", "#e0a800", [6, 4])
    ];
    if (data.forecast.length) {
      datasets.splice(1, 0, { label: "Forecast", data: data.forecast, borderColor: "#6f42c1", borderDash: [3, 3],
                              borderWidth: 2, pointRadius: 0, fill: false });
    }
    canvas.chart = new window.Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, parsing: true,
        interaction: { mode: "nearest", intersect: false },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: {
            title: function (items) { return items.length ? day(items[0].parsed.x) : ""; },
            label: function (item) {
              return item.dataset.label + ": " + item.parsed.y.toLocaleString(undefined, { maximumFractionDigits: 2 }) + unit;
            }
          } }
        },
        scales: {
          x: { type: "linear", min: data.start, max: data.end,
               ticks: { callback: function (value) { return day(value); }, maxTicksLimit: 8, maxRotation: 0 } },
          y: { beginAtZero: true, suggestedMax: data.capacity * 1.05,
               title: { display: !!data.unit, text: data.unit } }
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-capacity-chart]").forEach(draw);
  });
}());

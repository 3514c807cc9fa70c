// The SLA dashboard's charts (Chart.js, served from node_modules) and its period form.
// No inline scripts (the Content-Security-Policy forbids them): the figures come from a
// <script type="application/json" id="sla-chart-data"> element written by Django's json_script filter.
// The tables next to the charts carry the same figures and links, so nothing depends on this file.
(function () {
  "use strict";

  var COLOURS = { breaches: "#b02a37", backlog: "#1d4e89" };
  var TITLES = { breaches: "Breached timers", backlog: "Open incidents" };

  var readData = window.itsmChartData.read;
  var follow = window.itsmChartData.follow;  // into this site only

  function drawChart(canvas, data) {
    var name = canvas.getAttribute("data-chart");
    var series = data && data[name];
    if (!series || typeof window.Chart === "undefined") { return; }
    var chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: series.labels,
        datasets: [{ label: TITLES[name] || name, data: series.counts, backgroundColor: COLOURS[name] || "#1d4e89" }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 } },
          x: { ticks: { autoSkip: true, maxRotation: 0 } }
        },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
        onClick: function (event, elements) {
          if (elements.length) { follow(series.urls[elements[0].index]); }
        }
      }
    });
    canvas.chart = chart;
  }

  // Without JavaScript both date fields are always shown; with it, only for "Custom dates", and typing a
  // date switches the period to custom.
  function enhancePeriodForm(form) {
    var select = form.querySelector("select[name='period']");
    if (!select) { return; }
    var dates = form.querySelectorAll("[data-custom-date]");
    var update = function () {
      dates.forEach(function (block) { block.classList.toggle("d-none", select.value !== "custom"); });
    };
    form.querySelectorAll("input[type='date']").forEach(function (input) {
      input.addEventListener("change", function () {
        if (input.value) { select.value = "custom"; update(); }
      });
    });
    select.addEventListener("change", update);
    var hasError = form.querySelector("[data-custom-date] [aria-invalid='true']");
    if (!hasError) { update(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-period-form]").forEach(enhancePeriodForm);
    var cache = {};
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = canvas.getAttribute("data-chart-source");
      if (!(source in cache)) { cache[source] = readData(source); }
      drawChart(canvas, cache[source]);
    });
  });
})();

// What the pages' charts share (the SLA and KPI dashboards, a capacity metric's chart): reading the figures
// Django's json_script wrote into a <script type="application/json"> element (no inline scripts: the CSP forbids
// them), and following a chart point's link, into this site only. Loaded (deferred) before the chart's own script.
(function () {
  "use strict";

  function read(id) {
    var element = document.getElementById(id);
    if (!element) { return null; }
    try { return JSON.parse(element.textContent); } catch (error) { return null; }
  }

  function follow(url) {
    if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
      window.location.assign(url);
    }
  }

  window.itsmChartData = { read: read, follow: follow };
})();

// The dependency graph of a CI (templates/cmdb/graph.html), drawn with cytoscape (served from node_modules).
// The page lists the same relationships in a table, so nothing depends on this file. The graph's data comes from
// GET /api/v1/cmdb/graph/<pk>/?depth=N; selecting a node fetches its neighbours (one step) and adds those not yet
// shown, up to the page's limit of nodes. No inline scripts (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  var container = document.getElementById("cmdb-graph");
  if (!container || typeof window.cytoscape === "undefined") { return; }
  var maxNodes = parseInt(container.getAttribute("data-max-nodes"), 10) || 200;
  var startId = container.getAttribute("data-ci");
  var expandUrl = container.getAttribute("data-expand-url");
  var statusLine = document.getElementById("graph-status");
  var capped = document.getElementById("graph-capped");
  var legend = document.getElementById("graph-legend");
  var listBody = document.getElementById("graph-list-body");
  var list = document.getElementById("graph-list");
  var empty = document.getElementById("graph-empty");
  var expanded = {};
  var busy = false;

  var cy = window.cytoscape({
    container: container,
    wheelSensitivity: 0.3,
    minZoom: 0.2,
    maxZoom: 3,
    style: [
      { selector: "node", style: {
        "background-color": "data(colour)", "label": "data(name)", "color": "#212529", "font-size": 11,
        "text-valign": "bottom", "text-margin-y": 4, "width": 26, "height": 26, "border-width": 2,
        "border-color": "#fff", "text-wrap": "ellipsis", "text-max-width": 120 } },
      { selector: "node.start", style: { "border-width": 5, "border-color": "#212529", "width": 34, "height": 34 } },
      { selector: "node.expanded", style: { "border-color": "#6c757d" } },
      { selector: "node.start.expanded", style: { "border-color": "#212529" } },
      { selector: "node:selected", style: { "overlay-color": "#0d6efd", "overlay-opacity": 0.2 } },
      { selector: "edge", style: {
        "width": 1.5, "line-color": "#adb5bd", "target-arrow-color": "#adb5bd", "target-arrow-shape": "triangle",
        "curve-style": "bezier", "label": "data(label)", "font-size": 9, "color": "#495057",
        "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 1,
        "text-background-padding": 1 } }
    ]
  });
  window.cmdbGraph = cy;  // for the browser tests

  function say(text) { if (statusLine) { statusLine.textContent = text; } }

  function setCount() { container.setAttribute("data-node-count", String(cy.nodes().length)); }

  function nodeName(id) {
    var node = cy.getElementById(String(id));
    return node.length ? node.data("name") : "";
  }

  function cell(name, url, className) {
    var td = document.createElement("td");
    var link = document.createElement("a");
    link.textContent = name;
    if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") { link.href = url; }
    td.appendChild(link);
    if (className) {
      var small = document.createElement("span");
      small.className = "small text-body-secondary";
      small.textContent = " " + className;
      td.appendChild(small);
    }
    return td;
  }

  function addToList(edge) {
    if (!listBody) { return; }
    var source = cy.getElementById(String(edge.source));
    var target = cy.getElementById(String(edge.target));
    var row = document.createElement("tr");
    row.appendChild(cell(source.data("name"), source.data("url"), source.data("class_name")));
    var kind = document.createElement("td");
    kind.textContent = edge.label;
    row.appendChild(kind);
    row.appendChild(cell(target.data("name"), target.data("url"), target.data("class_name")));
    listBody.appendChild(row);
    if (list) { list.classList.remove("d-none"); }
    if (empty) { empty.classList.add("d-none"); }
  }

  function addToLegend(entry) {
    if (!legend || legend.querySelector('[data-class="' + String(parseInt(entry.id, 10)) + '"]')) { return; }
    var item = document.createElement("li");
    item.setAttribute("data-class", String(parseInt(entry.id, 10)));
    var swatch = document.createElement("span");
    swatch.className = "graph-swatch graph-colour-" + String(parseInt(entry.index, 10));
    swatch.setAttribute("aria-hidden", "true");
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(" " + entry.name));
    legend.appendChild(item);
  }

  // Add what `data` holds and is not shown yet; returns how many nodes were added (and whether some were left out).
  function merge(data, initial) {
    var added = 0;
    var leftOut = 0;
    var nodes = [];
    data.nodes.forEach(function (node) {
      var id = String(node.id);
      if (cy.getElementById(id).length) { return; }
      if (cy.nodes().length + nodes.length >= maxNodes) { leftOut += 1; return; }
      nodes.push({ group: "nodes", data: { id: id, name: node.name, colour: node.colour, url: node.url,
        class_name: node.class_name }, classes: id === startId ? "start" : "" });
    });
    cy.add(nodes);
    added = nodes.length;
    var edges = [];
    var newEdges = [];
    data.edges.forEach(function (edge) {
      var id = "e" + String(edge.id);
      if (cy.getElementById(id).length) { return; }
      if (!cy.getElementById(String(edge.source)).length || !cy.getElementById(String(edge.target)).length) { return; }
      edges.push({ group: "edges", data: { id: id, source: String(edge.source), target: String(edge.target),
        label: edge.label } });
      newEdges.push(edge);
    });
    cy.add(edges);
    if (!initial) { newEdges.forEach(addToList); }
    (data.classes || []).forEach(addToLegend);
    if (capped && (data.capped || leftOut)) {
      capped.classList.remove("d-none");
      if (leftOut) {
        capped.textContent = "The graph shows at most " + maxNodes + " configuration items: " + leftOut +
          " more were left out. Open a configuration item's own graph to see around it.";
      } else if (data.message) {
        capped.textContent = data.message;
      }
    }
    setCount();
    return added;
  }

  function layout() {
    cy.layout({ name: "cose", animate: false, nodeDimensionsIncludeLabels: true, randomize: false,
      idealEdgeLength: function () { return 90; }, nodeRepulsion: function () { return 9000; } }).run();
    cy.fit(undefined, 30);
  }

  function load(url, onDone) {
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) { busy = false; onDone(data); })
      .catch(function () { busy = false; say("The graph could not be loaded: reload the page to try again."); });
  }

  load(container.getAttribute("data-url"), function (data) {
    merge(data, true);
    expanded[startId] = data.depth >= 1;
    cy.getElementById(startId).addClass("expanded");
    layout();
    say(cy.nodes().length + " configuration items shown. Select one to add its neighbours.");
  });

  cy.on("tap", "node", function (event) {
    var node = event.target;
    var id = node.id();
    if (busy) { return; }
    if (expanded[id]) {
      say(node.data("name") + ": its neighbours are shown.");
      return;
    }
    say("Adding the neighbours of " + node.data("name") + "…");
    load(expandUrl.replace(/\/0\/$/, "/" + encodeURIComponent(id) + "/") + "?depth=1", function (data) {
      expanded[id] = true;
      node.addClass("expanded");
      var added = merge(data, false);
      if (added) { layout(); }
      say(added ? "Added " + added + " configuration item" + (added > 1 ? "s" : "") + " around " + nodeName(id) +
        "." : nodeName(id) + " has no other neighbours.");
    });
  });
})();

/* The operation graph: reads the page's JSON data block and draws it with Cytoscape.js.
 *
 * No inline script (the CSP allows only this origin's files). Every label is user
 * controlled (display names, domains); Cytoscape paints labels on a canvas and the
 * details list is filled with textContent, so nothing here is ever parsed as HTML.
 * Once laid out and drawn, the container gets data-nodes / data-edges (the browser
 * tests read them, and click nodes only after).
 */
(function () {
  "use strict";

  var COLORS = { account: "#c53030", domain: "#2b6cb0", ip: "#b7791f", device: "#6b46c1", target: "#718096" };
  var SHAPES = { account: "ellipse", domain: "round-rectangle", ip: "diamond", device: "hexagon", target: "triangle" };

  function showDetails(list, data) {
    while (list.firstChild) list.removeChild(list.firstChild);
    var rows = [["kind", data.kind], ["label", data.label]];
    if (data.account) rows.push(["account id", data.account]);
    rows.forEach(function (row) {
      var dt = document.createElement("dt");
      var dd = document.createElement("dd");
      dt.textContent = row[0];
      dd.textContent = row[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
  }

  function draw() {
    var holder = document.getElementById("graph");
    if (!holder || typeof window.cytoscape !== "function") return;
    var source = document.getElementById(holder.getAttribute("data-graph-source"));
    var data = JSON.parse(source.textContent);
    var elements = data.nodes.map(function (n) { return { group: "nodes", data: n }; })
      .concat(data.edges.map(function (e) { return { group: "edges", data: e }; }));
    var cy = window.cytoscape({
      container: holder,
      elements: elements,
      layout: { name: "preset" },
      style: [
        {
          selector: "node",
          style: {
            label: "data(label)",
            "font-size": 9,
            "text-valign": "bottom",
            "text-margin-y": 3,
            "text-max-width": 120,
            "text-wrap": "ellipsis",
            width: 18,
            height: 18,
            "background-color": function (n) { return COLORS[n.data("kind")] || "#4a5568"; },
            shape: function (n) { return SHAPES[n.data("kind")] || "ellipse"; }
          }
        },
        {
          selector: "edge",
          style: {
            width: function (e) { return Math.min(1 + Math.log(e.data("weight") || 1), 6); },
            "line-color": "#a0aec0",
            "curve-style": "haystack"
          }
        },
        { selector: "edge[kind = 'contacted']", style: { "line-style": "dashed", "line-color": "#cbd5e0" } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#1a202c" } }
      ]
    });
    var details = document.getElementById("graph-details");
    cy.on("tap", "node", function (evt) { showDetails(details, evt.target.data()); });
    var layout = cy.layout({ name: "cose", animate: false, randomize: true, nodeDimensionsIncludeLabels: true });
    layout.one("layoutstop", function () {
      // Two frames later the renderer has drawn the laid-out graph: only then announce it
      // (the browser tests click nodes at their drawn positions).
      window.requestAnimationFrame(function () {
        window.requestAnimationFrame(function () {
          holder.setAttribute("data-nodes", String(cy.nodes().length));
          holder.setAttribute("data-edges", String(cy.edges().length));
        });
      });
    });
    layout.run();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

// Draws the CIs around one CI with cytoscape: dependents (negative levels) above, the CI in the
// middle, its dependencies (positive levels) below. Data: the API's /cis/<id>/graph/ endpoint.
(function () {
  "use strict";

  const PER_ROW = 7;
  const COLUMN = 165;
  const ROW = 85;
  const LEVEL_GAP = 40;

  function layout(nodes) {
    const byLevel = new Map();
    nodes.forEach((node) => {
      if (!byLevel.has(node.level)) byLevel.set(node.level, []);
      byLevel.get(node.level).push(node);
    });
    const positions = {};
    let y = 0;
    [...byLevel.keys()].sort((a, b) => a - b).forEach((level) => {
      const members = byLevel.get(level);
      for (let start = 0; start < members.length; start += PER_ROW) {
        const row = members.slice(start, start + PER_ROW);
        row.forEach((node, index) => {
          positions[node.id] = { x: (index - (row.length - 1) / 2) * COLUMN, y };
        });
        y += ROW;
      }
      y += LEVEL_GAP;
    });
    return positions;
  }

  const STYLE = [
    {
      selector: "node",
      style: {
        "background-color": "#74c0fc",
        "border-color": "#1c7ed6",
        "border-width": 1,
        label: "data(label)",
        "font-size": 11,
        "text-valign": "bottom",
        "text-margin-y": 4,
        "text-wrap": "ellipsis",
        "text-max-width": 150,
        width: 26,
        height: 26,
        color: "#212529",
      },
    },
    { selector: "node[?is_service]", style: { shape: "round-rectangle", "background-color": "#ffd43b", "border-color": "#f08c00", width: 34 } },
    { selector: "node[status = 'retired']", style: { "background-color": "#dee2e6", "border-style": "dashed", "border-color": "#868e96" } },
    { selector: "node[status = 'maintenance']", style: { "background-color": "#ffe066" } },
    { selector: "node[?focus]", style: { "background-color": "#3b5bdb", "border-color": "#1b2f8f", "border-width": 3, width: 38, height: 38, "font-weight": "bold" } },
    {
      selector: "edge",
      style: {
        width: 1.5,
        "line-color": "#adb5bd",
        "target-arrow-color": "#adb5bd",
        "target-arrow-shape": "triangle",
        "curve-style": "bezier",
        label: "data(label)",
        "font-size": 9,
        color: "#868e96",
        "text-rotation": "autorotate",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.8,
        "text-background-padding": 1,
      },
    },
    { selector: "edge[type = 'part_of']", style: { "line-style": "dashed" } },
  ];

  function describe(node) {
    if (node.focus) return "this CI";
    const steps = Math.abs(node.level);
    const side = node.level < 0 ? "needs it" : "it needs";
    return `${side}${steps > 1 ? ` (${steps} steps)` : ""}`;
  }

  function fillList(container, nodes) {
    const list = container.parentElement.querySelector("[data-graph-list]");
    if (!list) return;
    list.replaceChildren(
      ...nodes.map((node) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = `/cmdb/cis/${node.ci_id}/`;
        link.textContent = node.label;
        item.append(link, ` · ${node.class_name} · ${describe(node)}`);
        item.dataset.ciName = node.label;
        return item;
      })
    );
  }

  function draw(container, data) {
    container.replaceChildren();
    const positions = layout(data.nodes);
    const cy = cytoscape({
      container,
      elements: [
        ...data.nodes.map((node) => ({ group: "nodes", data: node, position: positions[node.id] })),
        ...data.edges.map((edge) => ({ group: "edges", data: edge })),
      ],
      layout: { name: "preset", fit: true, padding: 40 },
      style: STYLE,
      minZoom: 0.2,
      maxZoom: 1.6,
      boxSelectionEnabled: false,
      autoungrabify: false,
    });
    cy.on("tap", "node", (event) => {
      const node = event.target.data();
      if (!node.focus) window.location.href = `/cmdb/cis/${node.ci_id}/`;
    });
    container.itopsGraph = cy;
    container.dataset.nodeCount = String(cy.nodes().length);
    container.dataset.edgeCount = String(cy.edges().length);
    container.dataset.nodes = data.nodes.map((node) => node.label).join("\n");
    container.dataset.truncated = String(Boolean(data.truncated));
    container.dataset.rendered = "true";
    fillList(container, data.nodes);
  }

  function load(container) {
    fetch(container.dataset.graphUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error(`The graph could not be loaded (${response.status}).`);
        return response.json();
      })
      .then((data) => draw(container, data))
      .catch((error) => {
        container.dataset.rendered = "error";
        container.textContent = error.message;
      });
  }

  function depthButtons(container) {
    const card = container.closest(".card");
    card.querySelectorAll("[data-graph-depth]").forEach((button) => {
      button.addEventListener("click", () => {
        const url = new URL(container.dataset.graphUrl, window.location.href);
        url.searchParams.set("depth", button.dataset.graphDepth);
        container.dataset.graphUrl = url.pathname + url.search;
        container.dataset.rendered = "loading";
        card.querySelectorAll("[data-graph-depth]").forEach((other) => {
          other.classList.toggle("active", other === button);
          other.setAttribute("aria-pressed", String(other === button));
        });
        if (container.itopsGraph) container.itopsGraph.destroy();
        load(container);
      });
    });
  }

  document.querySelectorAll("[data-graph-url]").forEach((container) => {
    depthButtons(container);
    load(container);
  });
})();

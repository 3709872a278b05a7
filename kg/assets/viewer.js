/* kg viewer: the page script around vis-network.
 *
 * Rules this file keeps: data reaches the DOM only through textContent, never
 * through the HTML parser; vis-network never receives a `title`; nothing is fetched.
 * Node ids are indexes into data.nodes; edge ids are indexes into data.edges.
 *
 * What is drawn is decided in two steps. The "wanted" nodes are in the DataSet:
 * the opening view (data.initial), what the user expanded or searched, and the
 * best-ranked nodes of the current scope. The scope is what the document, date
 * and place filters and the ego view allow (computeScope); the DataViews then
 * apply the scope and the class, relation and cross-regional switches.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var meta = data.nodes;
  var links = data.edges;
  var FONT = getComputedStyle(document.documentElement).getPropertyValue("--kg-font").trim();
  var FONT_HANT = getComputedStyle(document.documentElement).getPropertyValue("--kg-font-hant").trim();
  var HIGHLIGHT = "#ffb000";
  var LANG_TAG = { "zh-Hans": "zh-Hans", "zh-Hant": "zh-Hant", pinyin: "zh-Latn-pinyin", en: "en" };
  // vis-network draws a label when its size on screen is at least drawThreshold - 1;
  // below that zoom the page draws the labels of the most central nodes itself.
  var LABEL_SIZE = 14;
  var DRAW_THRESHOLD = 12;
  var FULL_LABEL_SCALE = (DRAW_THRESHOLD - 1) / LABEL_SIZE;
  var OVERLAY_BUDGET = 40;
  var OVERLAY_FONT = 13;
  var CAP = data.maxNodes || 1500;
  var CONTAINMENT = { locatedIn: true, settledIn: true, heldIn: true };
  var LIST_LIMIT = 150;
  var MENTION_LIMIT = 30;

  var classInfo = {};
  data.classes.forEach(function (c) { classInfo[c.name] = c; });
  var relationInfo = {};
  data.relations.forEach(function (r) { relationInfo[r.name] = r; });

  var state = {
    lang: "zh-Hans",
    hiddenClasses: new Set(),
    hiddenRelations: new Set(),
    crossOnly: false,
    base: new Set(data.initial),
    shown: new Set(),
    highlighted: new Set(),
    panel: null,
    docs: new Set(),
    dateFrom: "",
    dateTo: "",
    place: -1,
    ego: [],
    showUnrelated: false,
    colourBy: "class",
    scope: { nodes: null, edges: null, cross: null }
  };

  // Edges touching each node, the nodes of the cross-regional view, what each
  // document states, and the containment tree for the place filter.
  var incident = meta.map(function () { return []; });
  links.forEach(function (e, i) {
    incident[e.vis.from].push(i);
    if (e.vis.to !== e.vis.from) { incident[e.vis.to].push(i); }
  });
  var unrelated = meta.map(function (m, id) { return incident[id].length === 0; });
  var unrelatedIds = [];
  unrelated.forEach(function (u, id) { if (u) { unrelatedIds.push(id); } });
  var crossNodes = new Set();
  var crossEdges = new Set();
  links.forEach(function (e, i) {
    var touchesAlliance = meta[e.vis.from].cross || meta[e.vis.to].cross;
    if (e.cross || touchesAlliance) {
      crossEdges.add(i);
      crossNodes.add(e.vis.from);
      crossNodes.add(e.vis.to);
    }
  });
  meta.forEach(function (m, i) { if (m.cross) { crossNodes.add(i); } });
  var edgeDocs = links.map(function (e) {
    var docs = new Set();
    e.ev.forEach(function (ev) { if (ev.doc !== undefined) { docs.add(ev.doc); } });
    return docs;
  });
  var nodeDocs = meta.map(function (m) {
    var docs = new Set();
    (m.m || []).forEach(function (row) { if (row[0] >= 0) { docs.add(row[0]); } });
    return docs;
  });
  var inside = meta.map(function () { return []; });
  links.forEach(function (e) {
    if (CONTAINMENT[e.rel] && e.vis.from !== e.vis.to) { inside[e.vis.to].push(e.vis.from); }
  });
  var byRank = meta.map(function (m, id) { return id; })
    .sort(function (a, b) { return meta[b].pr - meta[a].pr || a - b; });

  // ------------------------------------------------------------------ labels

  function labelFor(m, lang) {
    var l = m.labels;
    if (lang === "en") { return l.en || l.pinyin || l["zh-Hans"]; }
    if (lang === "pinyin") { return l.pinyin || l["zh-Hans"]; }
    if (lang === "zh-Hant") { return l["zh-Hant"] || l["zh-Hans"]; }
    return l["zh-Hans"];
  }
  function chinese() { return state.lang === "zh-Hans" || state.lang === "zh-Hant"; }
  function relationLabel(name) {
    var r = relationInfo[name];
    if (!r) { return name; }
    return chinese() ? r.zh : r.en;
  }
  function classLabel(name) {
    var c = classInfo[name];
    return c ? c.zh + " " + c.en : name;
  }
  function nodeLabel(id) { return labelFor(meta[id], state.lang); }
  function docTitle(index) {
    var d = data.documents[index];
    if (!d) { return ""; }
    return d.title || readableIri(d.iri).replace(/^.*\/doc\//, "");
  }
  function docDate(index) {
    var d = data.documents[index];
    return d && d.date ? d.date.slice(0, 10) : "";
  }

  // ------------------------------------------------------------------ vis data

  // The data carries one colour per node or edge; borders and selection shades are
  // derived here so the file does not repeat them for every record.
  function darker(hex) {
    var n = parseInt(hex.slice(1), 16);
    var parts = [n >> 16, (n >> 8) & 255, n & 255].map(function (c) {
      return ("0" + Math.floor(c * 0.7).toString(16)).slice(-2);
    });
    return "#" + parts.join("");
  }
  function baseColour(id) {
    var m = meta[id];
    if (state.colourBy === "community") {
      var group = data.communities[m.com];
      return group ? group.color : data.otherCommunity;
    }
    var c = m.vis.color;
    return typeof c === "string" ? c : c.background;
  }
  function nodeColour(id) {
    var c = meta[id].vis.color;
    var background = baseColour(id);
    var border = typeof c === "string" ? darker(background) : c.border;
    return {
      background: background,
      border: border,
      highlight: { background: background, border: "#000000" },
      hover: { background: background, border: "#000000" }
    };
  }
  function visNode(id) {
    var item = Object.assign({}, meta[id].vis, plainStyle(id));
    item.label = nodeLabel(id);
    if (state.highlighted.has(id)) { Object.assign(item, highlightStyle(id)); }
    return item;
  }
  function visEdge(i) {
    var item = Object.assign({}, links[i].vis);
    item.color = { color: item.color, highlight: "#000000", hover: "#000000" };
    item.label = relationLabel(links[i].rel);
    return item;
  }
  function highlightStyle(id) {
    return {
      borderWidth: 6,
      borderWidthSelected: 6,
      color: Object.assign(nodeColour(id), { border: HIGHLIGHT }),
      shadow: { enabled: true, color: HIGHLIGHT, size: 18, x: 0, y: 0 }
    };
  }
  function plainStyle(id) {
    var width = meta[id].vis.borderWidth || 1;
    return { borderWidth: width, borderWidthSelected: width + 1, color: nodeColour(id), shadow: { enabled: false } };
  }

  var nodes = new vis.DataSet([]);
  var edges = new vis.DataSet([]);

  function nodeAllowed(id) {
    var m = meta[id];
    if (state.hiddenClasses.has(m.cls)) { return false; }
    if (state.crossOnly && !(state.scope.cross || crossNodes).has(id)) { return false; }
    if (state.scope.nodes && !state.scope.nodes.has(id)) { return false; }
    if (unrelated[id] && !state.showUnrelated && !state.base.has(id)) { return false; }
    return true;
  }
  function edgeAllowed(i) {
    if (state.hiddenRelations.has(links[i].rel)) { return false; }
    if (state.crossOnly && !crossEdges.has(i)) { return false; }
    return !state.scope.edges || state.scope.edges.has(i);
  }
  var nodeView = new vis.DataView(nodes, { filter: function (item) { return nodeAllowed(item.id); } });
  var edgeView = new vis.DataView(edges, { filter: function (item) { return edgeAllowed(item.id); } });

  // ------------------------------------------------------------------ scope: documents, dates, places, ego

  function allowedDocuments() {
    var dated = state.dateFrom || state.dateTo;
    if (!state.docs.size && !dated) { return null; }
    var out = new Set();
    data.documents.forEach(function (d, i) {
      if (state.docs.size && !state.docs.has(i)) { return; }
      if (dated) {
        var day = docDate(i);
        if (!day) { return; }
        if (state.dateFrom && day < state.dateFrom) { return; }
        if (state.dateTo && day > state.dateTo) { return; }
      }
      out.add(i);
    });
    return out;
  }
  function placeClosure(root) {
    var found = new Set([root]);
    var queue = [root];
    while (queue.length) {
      var id = queue.shift();
      inside[id].forEach(function (child) {
        if (!found.has(child)) { found.add(child); queue.push(child); }
      });
    }
    // Entities that record the province without a chain of locatedIn links.
    if (meta[root].cls === "Province") {
      var name = meta[root].labels["zh-Hans"];
      meta.forEach(function (m, id) { if (m.province === name) { found.add(id); } });
    }
    return found;
  }
  function reach(root, depth, allowed) {
    var found = new Set([root]);
    var frontier = [root];
    for (var d = 0; d < depth; d++) {
      var next = [];
      frontier.forEach(function (id) {
        incident[id].forEach(function (i) {
          if (allowed && !allowed.has(i)) { return; }
          if (state.hiddenRelations.has(links[i].rel)) { return; }
          var e = links[i].vis;
          var other = e.from === id ? e.to : e.from;
          if (!found.has(other)) { found.add(other); next.push(other); }
        });
      });
      frontier = next;
    }
    return found;
  }
  function edgesWithin(nodeSet, allowed) {
    var out = new Set();
    links.forEach(function (e, i) {
      if (allowed && !allowed.has(i)) { return; }
      if (nodeSet.has(e.vis.from) && nodeSet.has(e.vis.to)) { out.add(i); }
    });
    return out;
  }
  function computeScope() {
    var scopeNodes = null;
    var scopeEdges = null;
    var docs = allowedDocuments();
    if (docs) {
      scopeEdges = new Set();
      scopeNodes = new Set();
      links.forEach(function (e, i) {
        for (var d of edgeDocs[i]) {
          if (docs.has(d)) {
            scopeEdges.add(i);
            scopeNodes.add(e.vis.from);
            scopeNodes.add(e.vis.to);
            break;
          }
        }
      });
      nodeDocs.forEach(function (set, id) {
        for (var d of set) { if (docs.has(d)) { scopeNodes.add(id); break; } }
      });
    }
    if (state.place >= 0) {
      var within = placeClosure(state.place);
      scopeNodes = scopeNodes ? new Set(Array.from(scopeNodes).filter(function (id) { return within.has(id); })) : within;
      scopeEdges = edgesWithin(scopeNodes, scopeEdges);
    }
    if (state.ego.length) {
      var last = state.ego[state.ego.length - 1];
      var around = reach(last.id, last.depth, scopeEdges);
      if (scopeNodes) {
        around = new Set(Array.from(around).filter(function (id) { return scopeNodes.has(id); }));
      }
      scopeNodes = around;
      scopeEdges = edgesWithin(around, scopeEdges);
    }
    // In a scope, "only cross-regional" keeps the nodes of its cross-regional links.
    var cross = null;
    if (scopeEdges) {
      cross = new Set();
      scopeEdges.forEach(function (i) {
        if (crossEdges.has(i)) { cross.add(links[i].vis.from); cross.add(links[i].vis.to); }
      });
      scopeNodes.forEach(function (id) { if (meta[id].cross) { cross.add(id); } });
    }
    return { nodes: scopeNodes, edges: scopeEdges, cross: cross };
  }

  // The nodes that should be in the DataSet; the views filter them further.
  function wanted() {
    var want;
    var scoped = state.scope.nodes;
    if (scoped) {
      want = new Set();
      var taken = 0;
      for (var k = 0; k < byRank.length && taken < CAP; k++) {
        var id = byRank[k];
        if (!scoped.has(id) || (unrelated[id] && !state.showUnrelated && !state.base.has(id))) { continue; }
        want.add(id);
        taken++;
      }
      state.base.forEach(function (id) { if (scoped.has(id)) { want.add(id); } });
    } else {
      want = new Set(state.base);
      if (state.showUnrelated) { unrelatedIds.forEach(function (id) { want.add(id); }); }
    }
    return want;
  }
  function sync() {
    var want = wanted();
    var gone = [];
    state.shown.forEach(function (id) { if (!want.has(id)) { gone.push(id); } });
    var added = [];
    want.forEach(function (id) { if (!state.shown.has(id)) { added.push(id); } });
    gone.forEach(function (id) { state.shown.delete(id); });
    added.forEach(function (id) { state.shown.add(id); });
    if (gone.length) {
      var goneEdges = [];
      gone.forEach(function (id) {
        incident[id].forEach(function (i) { if (edges.get(i)) { goneEdges.push(i); } });
      });
      edges.remove(Array.from(new Set(goneEdges)));
      nodes.remove(gone);
    }
    if (added.length) {
      nodes.add(added.map(visNode));
      var newEdges = new Set();
      added.forEach(function (id) {
        incident[id].forEach(function (i) {
          var e = links[i].vis;
          if (state.shown.has(e.from) && state.shown.has(e.to) && !edges.get(i)) { newEdges.add(i); }
        });
      });
      edges.add(Array.from(newEdges).map(visEdge));
    }
    return added.length;
  }
  function refresh() {
    nodeView.refresh();
    edgeView.refresh();
    updateEmptyMessage();
    updateBreadcrumb();
    network.redraw();
  }
  // Recompute the scope after a filter changed, draw it, and fit it to the canvas.
  function applyScope(fit) {
    state.scope = computeScope();
    sync();
    refresh();
    if (fit !== false) { fitVisible(); }
    return nodeView.length;
  }
  function fitVisible() {
    var ids = nodeView.getIds();
    if (ids.length) { network.fit({ nodes: ids, animation: false }); }
  }

  var many = data.initial.length > 800;
  var container = document.getElementById("kg-network");
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, {
    autoResize: true,
    physics: { enabled: false },
    layout: { improvedLayout: false, randomSeed: 1 },
    nodes: {
      font: { face: FONT, size: LABEL_SIZE, color: "#1f2328", strokeWidth: 3, strokeColor: "#ffffff" },
      scaling: { label: { drawThreshold: DRAW_THRESHOLD } }
    },
    edges: {
      smooth: false,
      width: 1.2,
      selectionWidth: 2,
      font: { face: FONT, size: 10, color: "#57606a", strokeWidth: 3, strokeColor: "#ffffff", align: "middle" },
      arrows: { to: { enabled: true, scaleFactor: 0.5 } }
    },
    interaction: {
      hover: true,
      tooltipDelay: 200,
      hideEdgesOnDrag: many,
      hideEdgesOnZoom: many,
      keyboard: false,
      multiselect: false
    }
  });

  // ------------------------------------------------------------------ labels when zoomed out

  // Below FULL_LABEL_SCALE vis-network draws no labels; the most central visible
  // nodes get one here, at a fixed size on screen, skipping any that would
  // overlap a label already placed. The rest show theirs on hover or zoomed in.
  var overlay = [];
  network.on("afterDrawing", function (ctx) {
    overlay = [];
    var scale = network.getScale();
    if (scale >= FULL_LABEL_SCALE || !nodeView.length) { return; }
    var size = OVERLAY_FONT / scale;
    var pad = 3 / scale;
    var view = network.getViewPosition();
    var box = container.getBoundingClientRect();
    var halfW = box.width / 2 / scale;
    var halfH = box.height / 2 / scale;
    var placed = [];
    ctx.save();
    ctx.font = size + "px " + (state.lang === "zh-Hant" ? FONT_HANT : FONT);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3 / scale;
    ctx.strokeStyle = "#ffffff";
    ctx.fillStyle = "#1f2328";
    for (var k = 0; k < byRank.length && overlay.length < OVERLAY_BUDGET; k++) {
      var id = byRank[k];
      var body = network.body.nodes[id];
      if (!body || !nodeView.get(id)) { continue; }
      var text = nodeLabel(id);
      var w = ctx.measureText(text).width;
      var x = body.x;
      var y = body.y + (body.options.size || 10) + pad;
      if (Math.abs(x - view.x) > halfW || y - view.y > halfH || view.y - y > halfH) { continue; }
      var rect = [x - w / 2 - pad, y - pad, x + w / 2 + pad, y + size + pad];
      var clash = placed.some(function (r) {
        return rect[0] < r[2] && r[0] < rect[2] && rect[1] < r[3] && r[1] < rect[3];
      });
      if (clash) { continue; }
      placed.push(rect);
      ctx.strokeText(text, x, y);
      ctx.fillText(text, x, y);
      overlay.push({ id: id, rect: rect });
    }
    ctx.restore();
  });
  network.once("afterDrawing", function () {
    window.__kgReady = performance.now();
    document.body.setAttribute("data-ready", "true");
  });

  // ------------------------------------------------------------------ showing more nodes

  function show(ids) {
    ids.forEach(function (id) { state.base.add(id); });
    var added = sync();
    nodeView.refresh();
    edgeView.refresh();
    updateEmptyMessage();
    return added;
  }
  function neighbours(id) {
    var out = new Set();
    incident[id].forEach(function (i) {
      var e = links[i].vis;
      out.add(e.from === id ? e.to : e.from);
    });
    out.delete(id);
    return Array.from(out);
  }
  function hiddenNeighbours(id) {
    return neighbours(id).filter(function (n) { return !state.shown.has(n); });
  }
  function expand(id) {
    var added = show(neighbours(id));
    if (state.panel && state.panel.kind === "node" && state.panel.id === id) { openNode(id); }
    return added;
  }

  // ------------------------------------------------------------------ ego view

  function setEgo(id, depth) {
    state.ego.push({ id: id, depth: depth === 2 ? 2 : 1 });
    return applyScope();
  }
  // Back to crumb `index` of the breadcrumb: -1 is the whole graph.
  function back(index) {
    state.ego = state.ego.slice(0, Math.max(0, index + 1));
    return applyScope();
  }
  var breadcrumb = document.getElementById("kg-breadcrumb");
  function updateBreadcrumb() {
    breadcrumb.replaceChildren();
    if (!state.ego.length) { breadcrumb.hidden = true; return; }
    var whole = el("button", "全图 Whole graph", "kg-crumb");
    whole.type = "button";
    whole.addEventListener("click", function () { back(-1); });
    breadcrumb.appendChild(whole);
    state.ego.forEach(function (step, index) {
      breadcrumb.appendChild(document.createTextNode(" › "));
      var label = nodeLabel(step.id) + " · " + step.depth + (chinese() ? " 层" : (step.depth === 1 ? " step" : " steps"));
      if (index === state.ego.length - 1) {
        breadcrumb.appendChild(el("span", label, "kg-crumb-current"));
      } else {
        var b = el("button", label, "kg-crumb");
        b.type = "button";
        b.addEventListener("click", function () { back(index); });
        breadcrumb.appendChild(b);
      }
    });
    breadcrumb.hidden = false;
  }

  // ------------------------------------------------------------------ the message when nothing is left

  var emptyBox = document.getElementById("kg-empty");
  var emptyText = document.getElementById("kg-empty-text");
  function activeFilters() {
    var parts = [];
    if (state.docs.size) { parts.push("文档 documents: " + state.docs.size); }
    if (state.dateFrom || state.dateTo) { parts.push("日期 dates: " + (state.dateFrom || "…") + " – " + (state.dateTo || "…")); }
    if (state.place >= 0) { parts.push("地区 place: " + nodeLabel(state.place)); }
    if (state.ego.length) { parts.push("邻域 neighbourhood: " + nodeLabel(state.ego[state.ego.length - 1].id)); }
    if (state.crossOnly) { parts.push("仅跨区域 only cross-regional"); }
    if (state.hiddenClasses.size) { parts.push("隐藏类别 hidden classes: " + state.hiddenClasses.size); }
    if (state.hiddenRelations.size) { parts.push("隐藏关系 hidden relations: " + state.hiddenRelations.size); }
    return parts;
  }
  function updateEmptyMessage() {
    var empty = nodeView.length === 0 && meta.length > 0;
    if (empty) {
      var parts = activeFilters();
      emptyText.textContent = "没有符合当前筛选的实体。 Nothing matches the current filters"
        + (parts.length ? ": " + parts.join(" · ") : "") + ".";
    }
    emptyBox.hidden = !empty;
  }
  function resetFilters() {
    state.docs.clear();
    state.dateFrom = "";
    state.dateTo = "";
    state.place = -1;
    state.ego = [];
    state.crossOnly = false;
    state.hiddenClasses.clear();
    state.hiddenRelations.clear();
    document.querySelectorAll("#kg-legend-classes input, #kg-legend-relations input").forEach(function (box) { box.checked = true; });
    document.querySelectorAll("#kg-doc-list input").forEach(function (box) { box.checked = false; });
    document.getElementById("kg-cross-only").checked = false;
    document.getElementById("kg-date-from").value = "";
    document.getElementById("kg-date-to").value = "";
    document.getElementById("kg-place").value = "-1";
    updateDocStatus();
    return applyScope();
  }
  document.getElementById("kg-empty-reset").addEventListener("click", resetFilters);

  // ------------------------------------------------------------------ DOM helpers (text only)

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }
  function readableIri(iri) {
    try { return decodeURI(iri); } catch (err) { return iri; }
  }
  function addRow(dl, term, value, lang) {
    if (value === undefined || value === null || value === "") { return; }
    dl.appendChild(el("dt", term));
    var dd = el("dd", value);
    if (lang) { dd.lang = lang; }
    dl.appendChild(dd);
  }

  // ------------------------------------------------------------------ side panel

  var panel = document.getElementById("kg-panel");
  var panelBody = document.getElementById("kg-panel-body");
  document.getElementById("kg-panel-close").addEventListener("click", closePanel);

  function closePanel() {
    panel.hidden = true;
    state.panel = null;
  }
  function openPanel(kind, id, content) {
    panelBody.replaceChildren(content);
    panel.hidden = false;
    state.panel = { kind: kind, id: id };
    window.__kgPanelAt = performance.now();
  }
  function button(text, className, onClick) {
    var b = el("button", text, className);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function openNode(id) {
    var m = meta[id];
    var box = document.createDocumentFragment();
    var heading = el("h2", nodeLabel(id));
    heading.lang = LANG_TAG[state.lang];
    box.appendChild(heading);
    var dl = el("dl");
    addRow(dl, "类别 Class", classLabel(m.cls));
    addRow(dl, "简体", m.labels["zh-Hans"], "zh-Hans");
    addRow(dl, "繁體", m.labels["zh-Hant"], "zh-Hant");
    addRow(dl, "拼音 Pinyin", m.labels.pinyin, "zh-Latn-pinyin");
    addRow(dl, "English", m.labels.en, "en");
    if (m.alt && m.alt.length) { addRow(dl, "别名 Other names", m.alt.join(" · ")); }
    addRow(dl, "区划代码 Official code", m.code);
    addRow(dl, "级别 Admin level", m.level);
    addRow(dl, "省份 Province", m.province);
    if (m.cross) {
      var provinces = (m.memberProvinces || []).join(" / ");
      addRow(dl, "跨区域 Cross-regional", "是 yes" + (provinces ? " (" + provinces + ")" : ""));
    }
    var group = data.communities[m.com];
    if (group) { addRow(dl, "社区 Community", group.name + " (" + group.size + ")"); }
    addRow(dl, "PageRank", m.pr);
    addRow(dl, "IRI", readableIri(m.iri));
    box.appendChild(dl);

    var actions = el("div", null, "kg-actions");
    var hidden = hiddenNeighbours(id);
    if (hidden.length) {
      actions.appendChild(button("展开 " + hidden.length + " 个隐藏邻居 / show " + hidden.length + " hidden neighbours",
        "kg-expand", function () { expand(id); }));
    }
    if (incident[id].length) {
      actions.appendChild(el("span", "邻域 Neighbourhood:", "kg-actions-label"));
      [1, 2].forEach(function (depth) {
        var b = button(depth + " 层 / depth " + depth, "kg-ego", function () { setEgo(id, depth); });
        b.setAttribute("data-depth", String(depth));
        actions.appendChild(b);
      });
    }
    box.appendChild(actions);

    var list = incident[id].slice().sort(function (a, b) { return a - b; });
    box.appendChild(el("h3", "陈述 Statements (" + list.length + ")"));
    if (!list.length) { box.appendChild(el("p", "无 / none", "kg-none")); }
    list.forEach(function (i) { box.appendChild(statementBlock(i)); });

    box.appendChild(documentsBlock(id));
    box.appendChild(mentionsBlock(id, MENTION_LIMIT));
    openPanel("node", id, box);
  }

  // The documents that name the entity or state something about it, by date.
  function documentsOf(id) {
    var count = new Map();
    (meta[id].m || []).forEach(function (row) {
      if (row[0] >= 0) { count.set(row[0], (count.get(row[0]) || 0) + 1); }
    });
    incident[id].forEach(function (i) {
      edgeDocs[i].forEach(function (d) { if (!count.has(d)) { count.set(d, 0); } });
    });
    return Array.from(count.keys()).sort(function (a, b) {
      return docDate(a).localeCompare(docDate(b)) || a - b;
    }).map(function (d) { return { doc: d, mentions: count.get(d) }; });
  }
  function documentsBlock(id) {
    var wrap = el("section", null, "kg-documents");
    var docs = documentsOf(id);
    wrap.appendChild(el("h3", "文档 Documents (" + docs.length + ")"));
    if (!docs.length) { wrap.appendChild(el("p", "无 / none", "kg-none")); }
    docs.forEach(function (entry) {
      var row = el("div", null, "kg-doc");
      row.setAttribute("data-doc", String(entry.doc));
      row.appendChild(button("《" + docTitle(entry.doc) + "》", "kg-doc-only", function () { setDocuments([entry.doc]); }));
      var info = [docDate(entry.doc), entry.mentions + " 次提及 mentions"].filter(Boolean).join(" · ");
      row.appendChild(el("span", " " + info, "kg-meta"));
      wrap.appendChild(row);
    });
    return wrap;
  }
  function mentionsBlock(id, limit) {
    var rows = meta[id].m || [];
    var wrap = el("section", null, "kg-mentions");
    wrap.appendChild(el("h3", "提及 Mentions (" + rows.length + ")"));
    if (!rows.length) { wrap.appendChild(el("p", "无 / none", "kg-none")); }
    rows.slice(0, limit).forEach(function (row) { wrap.appendChild(mentionBlock(id, row)); });
    if (rows.length > limit) {
      wrap.appendChild(button("显示全部 " + rows.length + " 条 / show all " + rows.length, "kg-more", function () {
        wrap.replaceWith(mentionsBlock(id, rows.length));
      }));
    }
    return wrap;
  }
  function mentionBlock(id, row) {
    var box = el("div", null, "kg-mention");
    if (row[3] >= 0) {
      var quote = el("blockquote", data.sentences[row[3]]);
      quote.lang = "zh";
      box.appendChild(quote);
    }
    var parts = ["「" + (row[4] || meta[id].labels["zh-Hans"]) + "」"];
    if (row[0] >= 0) { parts.push("《" + docTitle(row[0]) + "》"); }
    if (row[0] >= 0 && docDate(row[0])) { parts.push(docDate(row[0])); }
    if (row[1] >= 0) { parts.push("字符 chars " + row[1] + "–" + row[2]); }
    if (row[5] >= 0) { parts.push("规则 rule " + data.rules[row[5]]); }
    box.appendChild(el("div", parts.join(" · "), "kg-meta"));
    return box;
  }

  function openEdge(i) {
    var box = document.createDocumentFragment();
    box.appendChild(el("h2", relationLabel(links[i].rel)));
    box.appendChild(statementBlock(i));
    openPanel("edge", i, box);
  }

  function entityButton(id) {
    return button(nodeLabel(id), null, function () { focusNode(id); openNode(id); });
  }

  function statementBlock(i) {
    var e = links[i];
    var block = el("div", null, "kg-statement");
    block.setAttribute("data-edge", String(i));
    var head = el("div", null, "kg-statement-head");
    head.appendChild(entityButton(e.vis.from));
    head.appendChild(document.createTextNode(e.sym ? " — " + relationLabel(e.rel) + " — " : " —" + relationLabel(e.rel) + "→ "));
    head.appendChild(entityButton(e.vis.to));
    if (e.cross) { head.appendChild(el("span", "跨省 cross-regional", "kg-cross-badge")); }
    block.appendChild(head);
    if (!e.ev.length) {
      block.appendChild(el("p", "无抽取证据（由其他事实推出） / no recorded evidence", "kg-none"));
    }
    e.ev.forEach(function (ev) { block.appendChild(evidenceBlock(ev)); });
    return block;
  }

  function evidenceBlock(ev) {
    var box = el("div", null, "kg-evidence");
    if (ev.sentence !== undefined) {
      var quote = el("blockquote", data.sentences[ev.sentence]);
      quote.lang = "zh";
      box.appendChild(quote);
    }
    var parts = [];
    var doc = ev.doc !== undefined ? data.documents[ev.doc] : null;
    if (doc && doc.title) { parts.push("《" + doc.title + "》"); }
    if (doc && doc.date) { parts.push(doc.date); }
    if (ev.start !== undefined) { parts.push("字符 chars " + ev.start + "–" + ev.end); }
    if (ev.rule) { parts.push("规则 rule " + ev.rule); }
    if (ev.trigger) { parts.push("触发词 trigger 「" + ev.trigger + "」"); }
    if (ev.confidence !== undefined) { parts.push("置信度 confidence " + ev.confidence); }
    box.appendChild(el("div", parts.join(" · "), "kg-meta"));
    if (doc && doc.iri) { box.appendChild(el("div", readableIri(doc.iri), "kg-meta")); }
    return box;
  }

  // ------------------------------------------------------------------ tooltip

  var tooltip = document.getElementById("kg-tooltip");
  function showTooltip(text, pointer) {
    var rect = container.getBoundingClientRect();
    tooltip.textContent = text;
    tooltip.style.left = (rect.left + pointer.x + 14) + "px";
    tooltip.style.top = (rect.top + pointer.y + 14) + "px";
    tooltip.hidden = false;
  }
  network.on("hoverNode", function (p) {
    var m = meta[p.node];
    var lines = [nodeLabel(p.node), classLabel(m.cls)];
    if (m.province) { lines.push(m.province); }
    showTooltip(lines.join("\n"), p.pointer.DOM);
  });
  network.on("hoverEdge", function (p) {
    var e = links[p.edge];
    showTooltip(nodeLabel(e.vis.from) + " —" + relationLabel(e.rel) + "→ " + nodeLabel(e.vis.to)
      + "\n" + e.ev.length + " 条证据 evidence", p.pointer.DOM);
  });
  network.on("blurNode", function () { tooltip.hidden = true; });
  network.on("blurEdge", function () { tooltip.hidden = true; });
  network.on("dragStart", function () { tooltip.hidden = true; });

  // ------------------------------------------------------------------ clicks

  network.on("click", function (p) {
    tooltip.hidden = true;
    if (p.nodes.length) { openNode(p.nodes[0]); }
    else if (p.edges.length) { openEdge(p.edges[0]); }
  });
  network.on("doubleClick", function (p) {
    if (p.nodes.length) { expand(p.nodes[0]); }
  });

  // ------------------------------------------------------------------ search

  var searchKeys = null;
  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/\s+/g, "");
  }
  function keys() {
    if (!searchKeys) {
      searchKeys = meta.map(function (m) {
        var all = Object.keys(m.labels).map(function (k) { return m.labels[k]; });
        return fold(all.concat(m.alt || [], m.code ? [m.code] : []).join("\u0001"));
      });
    }
    return searchKeys;
  }
  function setHighlighted(ids) {
    var previous = Array.from(state.highlighted).filter(function (id) { return nodes.get(id); });
    state.highlighted = new Set(ids);
    var updates = previous.filter(function (id) { return !state.highlighted.has(id); })
      .map(function (id) { return Object.assign({ id: id }, plainStyle(id)); });
    ids.forEach(function (id) {
      if (nodes.get(id)) { updates.push(Object.assign({ id: id }, highlightStyle(id))); }
    });
    nodes.update(updates);
  }
  function search(query) {
    var q = fold(query || "");
    var status = document.getElementById("kg-search-status");
    if (!q) {
      setHighlighted([]);
      network.unselectAll();
      status.textContent = "";
      return [];
    }
    var found = [];
    keys().forEach(function (key, id) { if (key.indexOf(q) !== -1) { found.push(id); } });
    found.sort(function (a, b) { return meta[b].pr - meta[a].pr || a - b; });
    var limited = found.slice(0, 200);
    show(limited);
    setHighlighted(limited);
    var visible = limited.filter(function (id) { return nodeView.get(id); });
    network.selectNodes(visible, false);
    if (visible.length === 1) {
      network.focus(visible[0], { scale: Math.max(network.getScale(), 1.2), animation: false });
    } else if (visible.length > 1) {
      network.fit({ nodes: visible, animation: false });
    }
    status.textContent = found.length + " 个匹配 match" + (found.length === 1 ? "" : "es")
      + (visible.length < limited.length ? "（" + (limited.length - visible.length) + " 被筛选隐藏 filtered）" : "");
    return found;
  }
  var searchBox = document.getElementById("kg-search");
  var searchTimer = null;
  searchBox.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { search(searchBox.value); }, 150);
  });
  searchBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      clearTimeout(searchTimer);
      var found = search(searchBox.value);
      if (found.length) { openNode(found[0]); }
    }
  });

  function focusNode(id) {
    show([id]);
    if (nodeView.get(id)) {
      network.selectNodes([id], false);
      network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: false });
    }
  }

  // ------------------------------------------------------------------ language

  function setLanguage(lang) {
    if (!LANG_TAG[lang]) { return; }
    state.lang = lang;
    document.documentElement.lang = LANG_TAG[lang];
    network.setOptions({ nodes: { font: { face: lang === "zh-Hant" ? FONT_HANT : FONT } } });
    nodes.update(Array.from(state.shown).map(function (id) { return { id: id, label: nodeLabel(id) }; }));
    edges.update(edges.getIds().map(function (i) { return { id: i, label: relationLabel(links[i].rel) }; }));
    renderUnrelated();
    renderPlaces();
    updateBreadcrumb();
    if (state.panel) {
      if (state.panel.kind === "node") { openNode(state.panel.id); } else { openEdge(state.panel.id); }
    }
  }
  var langSelect = document.getElementById("kg-lang");
  langSelect.addEventListener("change", function () { setLanguage(langSelect.value); });

  // ------------------------------------------------------------------ legend and filters

  var SVG = "http://www.w3.org/2000/svg";
  function shapeIcon(shape, colour) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("viewBox", "-8 -8 16 16");
    var points = {
      diamond: "0,-7 7,0 0,7 -7,0",
      triangle: "0,-7 7,6 -7,6",
      triangleDown: "0,7 7,-6 -7,-6",
      star: "0,-7.5 2,-2.5 7.5,-2.5 3,1 4.8,6.8 0,3.3 -4.8,6.8 -3,1 -7.5,-2.5 -2,-2.5",
      hexagon: "7,0 3.5,6 -3.5,6 -7,0 -3.5,-6 3.5,-6"
    };
    var shapeNode;
    if (shape === "square") {
      shapeNode = document.createElementNS(SVG, "rect");
      [["x", "-6"], ["y", "-6"], ["width", "12"], ["height", "12"]].forEach(function (a) { shapeNode.setAttribute(a[0], a[1]); });
    } else if (points[shape]) {
      shapeNode = document.createElementNS(SVG, "polygon");
      shapeNode.setAttribute("points", points[shape]);
    } else {
      shapeNode = document.createElementNS(SVG, "circle");
      shapeNode.setAttribute("r", "6");
    }
    shapeNode.setAttribute("fill", colour);
    svg.appendChild(shapeNode);
    return svg;
  }
  function lineIcon(colour) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "22");
    svg.setAttribute("height", "10");
    var line = document.createElementNS(SVG, "line");
    [["x1", "1"], ["y1", "5"], ["x2", "21"], ["y2", "5"], ["stroke", colour], ["stroke-width", "3"]]
      .forEach(function (a) { line.setAttribute(a[0], a[1]); });
    svg.appendChild(line);
    return svg;
  }
  function legendRow(icon, text, count, onToggle, value) {
    var li = el("li");
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.value = value;
    box.addEventListener("change", function () { onToggle(box.checked); });
    label.appendChild(box);
    label.appendChild(icon);
    label.appendChild(el("span", text));
    li.appendChild(label);
    li.appendChild(el("span", String(count), "kg-count"));
    return li;
  }
  var classList = document.getElementById("kg-legend-classes");
  data.classes.forEach(function (c) {
    classList.appendChild(legendRow(shapeIcon(c.shape, c.color), c.zh + " " + c.en, c.count,
      function (on) { setClassVisible(c.name, on); }, c.name));
  });
  var relationList = document.getElementById("kg-legend-relations");
  data.relations.forEach(function (r) {
    relationList.appendChild(legendRow(lineIcon(r.color), r.zh + " " + r.en, r.count,
      function (on) { setRelationVisible(r.name, on); }, r.name));
  });
  function setClassVisible(name, on) {
    if (on) { state.hiddenClasses.delete(name); } else { state.hiddenClasses.add(name); }
    refresh();
  }
  function setRelationVisible(name, on) {
    if (on) { state.hiddenRelations.delete(name); } else { state.hiddenRelations.add(name); }
    if (state.ego.length) { applyScope(false); } else { refresh(); }
  }
  function setCrossOnly(on) {
    state.crossOnly = !!on;
    document.getElementById("kg-cross-only").checked = state.crossOnly;
    refresh();
  }
  document.getElementById("kg-cross-only").addEventListener("change", function (event) {
    setCrossOnly(event.target.checked);
  });
  document.getElementById("kg-fit").addEventListener("click", fitVisible);

  // ------------------------------------------------------------------ documents and dates

  var docList = document.getElementById("kg-doc-list");
  var docSearch = document.getElementById("kg-doc-search");
  var docStatus = document.getElementById("kg-doc-status");
  var docOrder = data.documents.map(function (d, i) { return i; }).sort(function (a, b) {
    return docDate(b).localeCompare(docDate(a)) || docTitle(a).localeCompare(docTitle(b)) || a - b;
  });
  docOrder.forEach(function (i) {
    var li = el("li");
    li.setAttribute("data-doc", String(i));
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.value = String(i);
    box.addEventListener("change", function () {
      if (box.checked) { state.docs.add(i); } else { state.docs.delete(i); }
      updateDocStatus();
      applyScope();
    });
    label.appendChild(box);
    label.appendChild(el("span", docTitle(i), "kg-doc-title"));
    if (docDate(i)) { label.appendChild(el("span", docDate(i), "kg-count")); }
    li.appendChild(label);
    docList.appendChild(li);
  });
  var docKeys = data.documents.map(function (d, i) { return fold(docTitle(i) + " " + docDate(i) + " " + d.iri); });
  docSearch.addEventListener("input", function () {
    var q = fold(docSearch.value);
    docList.querySelectorAll("li").forEach(function (li) {
      li.hidden = q !== "" && docKeys[Number(li.getAttribute("data-doc"))].indexOf(q) === -1;
    });
  });
  function updateDocStatus() {
    docStatus.textContent = state.docs.size ? "已选 " + state.docs.size + " 篇 / " + state.docs.size + " selected" : "";
    document.getElementById("kg-doc-clear").hidden = !state.docs.size;
  }
  function setDocuments(indices) {
    state.docs = new Set(indices);
    docList.querySelectorAll("input").forEach(function (box) { box.checked = state.docs.has(Number(box.value)); });
    updateDocStatus();
    return applyScope();
  }
  document.getElementById("kg-doc-clear").addEventListener("click", function () { setDocuments([]); });
  var dateFrom = document.getElementById("kg-date-from");
  var dateTo = document.getElementById("kg-date-to");
  var days = data.documents.map(function (d, i) { return docDate(i); }).filter(Boolean).sort();
  if (days.length) {
    [dateFrom, dateTo].forEach(function (input) { input.min = days[0]; input.max = days[days.length - 1]; });
    document.getElementById("kg-date-span").textContent = days[0] + " – " + days[days.length - 1]
      + " (" + days.length + " / " + data.documents.length + " 篇有日期 dated)";
  }
  function setDateRange(from, to) {
    state.dateFrom = from || "";
    state.dateTo = to || "";
    dateFrom.value = state.dateFrom;
    dateTo.value = state.dateTo;
    return applyScope();
  }
  [dateFrom, dateTo].forEach(function (input) {
    input.addEventListener("change", function () { setDateRange(dateFrom.value, dateTo.value); });
  });

  // ------------------------------------------------------------------ places

  var PLACE_CLASSES = { Province: 0, City: 1, District: 2, County: 2 };
  var placeSelect = document.getElementById("kg-place");
  function renderPlaces() {
    var current = String(state.place);
    placeSelect.replaceChildren();
    var all = el("option", "全部地区 / all places");
    all.value = "-1";
    placeSelect.appendChild(all);
    var places = [];
    meta.forEach(function (m, id) {
      if (PLACE_CLASSES[m.cls] !== undefined && inside[id].length) { places.push(id); }
    });
    var provinceOf = function (id) { return meta[id].cls === "Province" ? meta[id].labels["zh-Hans"] : (meta[id].province || "~"); };
    places.sort(function (a, b) {
      return provinceOf(a).localeCompare(provinceOf(b)) || PLACE_CLASSES[meta[a].cls] - PLACE_CLASSES[meta[b].cls]
        || nodeLabel(a).localeCompare(nodeLabel(b)) || a - b;
    });
    places.forEach(function (id) {
      var depth = PLACE_CLASSES[meta[id].cls];
      var text = (depth ? "\u3000".repeat(depth) : "") + nodeLabel(id)
        + (depth && meta[id].province ? "（" + meta[id].province + "）" : "");
      var option = el("option", text);
      option.value = String(id);
      placeSelect.appendChild(option);
    });
    placeSelect.value = current;
  }
  function setPlace(id) {
    state.place = typeof id === "number" ? id : -1;
    placeSelect.value = String(state.place);
    return applyScope();
  }
  placeSelect.addEventListener("change", function () { setPlace(Number(placeSelect.value)); });

  // ------------------------------------------------------------------ entities without relations

  var unrelatedList = document.getElementById("kg-unrelated-list");
  var unrelatedSearch = document.getElementById("kg-unrelated-search");
  var unrelatedClass = document.getElementById("kg-unrelated-class");
  var unrelatedCounts = {};
  unrelatedIds.forEach(function (id) { unrelatedCounts[meta[id].cls] = (unrelatedCounts[meta[id].cls] || 0) + 1; });
  data.classes.forEach(function (c) {
    if (!unrelatedCounts[c.name]) { return; }
    var option = el("option", c.zh + " " + c.en + " (" + unrelatedCounts[c.name] + ")");
    option.value = c.name;
    unrelatedClass.appendChild(option);
  });
  document.getElementById("kg-unrelated-count").textContent = "(" + unrelatedIds.length + ")";
  document.getElementById("kg-unrelated").hidden = unrelatedIds.length === 0;
  var byMentions = unrelatedIds.slice().sort(function (a, b) {
    return (meta[b].m || []).length - (meta[a].m || []).length || meta[b].pr - meta[a].pr || a - b;
  });
  function unrelatedMatches() {
    var q = fold(unrelatedSearch.value || "");
    var cls = unrelatedClass.value;
    var k = keys();
    return byMentions.filter(function (id) {
      return (!cls || meta[id].cls === cls) && (!q || k[id].indexOf(q) !== -1);
    });
  }
  function renderUnrelated() {
    var found = unrelatedMatches();
    unrelatedList.replaceChildren();
    found.slice(0, LIST_LIMIT).forEach(function (id) {
      var li = el("li");
      li.setAttribute("data-node", String(id));
      var b = button(nodeLabel(id), "kg-unrelated-item", function () { openNode(id); if (state.showUnrelated) { focusNode(id); } });
      b.lang = LANG_TAG[state.lang];
      li.appendChild(b);
      li.appendChild(el("span", classInfo[meta[id].cls] ? classInfo[meta[id].cls].zh : meta[id].cls, "kg-unrelated-class"));
      li.appendChild(el("span", String((meta[id].m || []).length), "kg-count"));
      unrelatedList.appendChild(li);
    });
    var more = found.length - Math.min(found.length, LIST_LIMIT);
    document.getElementById("kg-unrelated-more").textContent = more > 0
      ? "另有 " + more + " 个，请缩小搜索 / " + more + " more: narrow the search" : (found.length ? "" : "无匹配 / no match");
  }
  unrelatedSearch.addEventListener("input", renderUnrelated);
  unrelatedClass.addEventListener("change", renderUnrelated);
  function setShowUnrelated(on) {
    state.showUnrelated = !!on;
    document.getElementById("kg-show-unrelated").checked = state.showUnrelated;
    sync();
    refresh();
    return nodeView.length;
  }
  document.getElementById("kg-show-unrelated").addEventListener("change", function (event) {
    setShowUnrelated(event.target.checked);
  });

  // ------------------------------------------------------------------ communities

  var communityList = document.getElementById("kg-legend-communities");
  data.communities.forEach(function (group, index) {
    if (group.color === data.otherCommunity) { return; }
    var li = el("li");
    li.setAttribute("data-community", String(index));
    var swatch = el("span", null, "kg-dot");
    swatch.style.background = group.color;
    li.appendChild(swatch);
    li.appendChild(button(group.name, "kg-community", function () { showCommunity(index); }));
    li.appendChild(el("span", String(group.size), "kg-count"));
    communityList.appendChild(li);
  });
  var others = data.communities.filter(function (g) { return g.color === data.otherCommunity; }).length;
  if (others) {
    var rest = el("li");
    var swatch = el("span", null, "kg-dot");
    swatch.style.background = data.otherCommunity;
    rest.appendChild(swatch);
    rest.appendChild(el("span", "其他 " + others + " 个社区 / " + others + " other communities"));
    communityList.appendChild(rest);
  }
  document.getElementById("kg-communities").hidden = data.communities.length === 0;
  function setColourBy(mode) {
    state.colourBy = mode === "community" ? "community" : "class";
    document.getElementById("kg-colour-community").checked = state.colourBy === "community";
    communityList.hidden = state.colourBy !== "community";
    nodes.update(nodes.getIds().map(function (id) {
      return Object.assign({ id: id }, state.highlighted.has(id) ? highlightStyle(id) : plainStyle(id));
    }));
  }
  function showCommunity(index) {
    var members = [];
    meta.forEach(function (m, id) { if (m.com === index) { members.push(id); } });
    show(members.slice(0, CAP));
    var visible = members.filter(function (id) { return nodeView.get(id); });
    if (visible.length) { network.fit({ nodes: visible, animation: false }); }
    return visible.length;
  }
  document.getElementById("kg-colour-community").addEventListener("change", function (event) {
    setColourBy(event.target.checked ? "community" : "class");
  });

  // ------------------------------------------------------------------ start

  var linkedCount = meta.length - unrelatedIds.length;
  if (data.capped) {
    var note = document.getElementById("kg-cap-note");
    note.textContent = "显示 " + data.initial.length + " / " + linkedCount
      + " 个有关系的实体（最大的连通部分，按 PageRank）；双击节点展开邻居，搜索可找到全部实体。 Showing "
      + data.initial.length + " of " + linkedCount + " related entities (the largest connected components, by PageRank); "
      + "double-click a node to expand, search finds all.";
    note.hidden = false;
  }
  renderPlaces();
  renderUnrelated();
  updateDocStatus();
  sync();
  refresh();
  network.fit({ animation: false });

  // For tests, benchmarks and the browser console.
  window.kgView = {
    network: network,
    nodes: nodes,
    edges: edges,
    nodeView: nodeView,
    edgeView: edgeView,
    data: data,
    state: state,
    search: search,
    expand: expand,
    show: show,
    openNode: openNode,
    openEdge: openEdge,
    setLanguage: setLanguage,
    setClassVisible: setClassVisible,
    setRelationVisible: setRelationVisible,
    setCrossOnly: setCrossOnly,
    setDocuments: setDocuments,
    setDateRange: setDateRange,
    setPlace: setPlace,
    setEgo: setEgo,
    back: back,
    resetFilters: resetFilters,
    setColourBy: setColourBy,
    setShowUnrelated: setShowUnrelated,
    unrelatedIds: function () { return unrelatedIds.slice(); },
    overlayLabels: function () { return overlay.map(function (o) { return o.id; }); },
    overlayBoxes: function () { return overlay.map(function (o) { return o.rect; }); },
    fullLabelScale: FULL_LABEL_SCALE,
    drawnNodeIds: function () { return nodeView.getIds(); },
    drawnEdgeIds: function () { return edgeView.getIds(); },
    labelOf: function (id) { var n = nodes.get(id); return n ? n.label : null; },
    colourOf: function (id) { var n = nodes.get(id); return n ? n.color.background : null; },
    highlighted: function () { return Array.from(state.highlighted); },
    idOf: function (iri) {
      for (var i = 0; i < meta.length; i++) { if (meta[i].iri === iri) { return i; } }
      return -1;
    }
  };
})();

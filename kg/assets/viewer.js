/* kg viewer: the page script around vis-network.
 *
 * Rules this file keeps: data reaches the DOM only through textContent, never
 * through the HTML parser; vis-network never receives a `title`; nothing is fetched.
 * Node ids are indexes into data.nodes; edge ids are indexes into data.edges.
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

  var classInfo = {};
  data.classes.forEach(function (c) { classInfo[c.name] = c; });
  var relationInfo = {};
  data.relations.forEach(function (r) { relationInfo[r.name] = r; });

  var state = {
    lang: "zh-Hans",
    hiddenClasses: new Set(),
    hiddenRelations: new Set(),
    crossOnly: false,
    shown: new Set(data.initial),
    highlighted: new Set(),
    panel: null
  };

  // Edges touching each node, and the nodes that belong to the cross-regional view.
  var incident = meta.map(function () { return []; });
  links.forEach(function (e, i) {
    incident[e.vis.from].push(i);
    if (e.vis.to !== e.vis.from) { incident[e.vis.to].push(i); }
  });
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
  function nodeColour(id) {
    var c = meta[id].vis.color;
    var background = typeof c === "string" ? c : c.background;
    var border = typeof c === "string" ? darker(c) : c.border;
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

  var nodes = new vis.DataSet(data.initial.map(visNode));
  var edges = new vis.DataSet(edgesAmong(state.shown).map(visEdge));

  function edgesAmong(shown) {
    var out = [];
    links.forEach(function (e, i) {
      if (shown.has(e.vis.from) && shown.has(e.vis.to)) { out.push(i); }
    });
    return out;
  }

  var nodeView = new vis.DataView(nodes, {
    filter: function (item) {
      var m = meta[item.id];
      if (state.hiddenClasses.has(m.cls)) { return false; }
      return !state.crossOnly || crossNodes.has(item.id);
    }
  });
  var edgeView = new vis.DataView(edges, {
    filter: function (item) {
      if (state.hiddenRelations.has(links[item.id].rel)) { return false; }
      return !state.crossOnly || crossEdges.has(item.id);
    }
  });

  var many = data.initial.length > 800;
  var container = document.getElementById("kg-network");
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, {
    autoResize: true,
    physics: { enabled: false },
    layout: { improvedLayout: false, randomSeed: 1 },
    nodes: {
      font: { face: FONT, size: 14, color: "#1f2328", strokeWidth: 3, strokeColor: "#ffffff" },
      scaling: { label: { drawThreshold: many ? 11 : 6 } }
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
  network.once("afterDrawing", function () {
    window.__kgReady = performance.now();
    document.body.setAttribute("data-ready", "true");
  });

  // ------------------------------------------------------------------ showing more nodes

  function show(ids) {
    var added = [];
    ids.forEach(function (id) {
      if (!state.shown.has(id)) { state.shown.add(id); added.push(id); }
    });
    if (!added.length) { return 0; }
    nodes.add(added.map(visNode));
    var newEdges = [];
    added.forEach(function (id) {
      incident[id].forEach(function (i) {
        var e = links[i].vis;
        if (state.shown.has(e.from) && state.shown.has(e.to) && !edges.get(i)) {
          newEdges.push(i);
        }
      });
    });
    edges.add(Array.from(new Set(newEdges)).map(visEdge));
    return added.length;
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
    addRow(dl, "PageRank", m.pr);
    addRow(dl, "IRI", readableIri(m.iri));
    box.appendChild(dl);

    var hidden = hiddenNeighbours(id);
    if (hidden.length) {
      var actions = el("div", null, "kg-actions");
      var button = el("button", "展开 " + hidden.length + " 个隐藏邻居 / show " + hidden.length + " hidden neighbours");
      button.type = "button";
      button.className = "kg-expand";
      button.addEventListener("click", function () { expand(id); });
      actions.appendChild(button);
      box.appendChild(actions);
    }

    var list = incident[id].slice().sort(function (a, b) { return a - b; });
    box.appendChild(el("h3", "陈述 Statements (" + list.length + ")"));
    if (!list.length) { box.appendChild(el("p", "无 / none", "kg-none")); }
    list.forEach(function (i) { box.appendChild(statementBlock(i)); });
    openPanel("node", id, box);
  }

  function openEdge(i) {
    var box = document.createDocumentFragment();
    box.appendChild(el("h2", relationLabel(links[i].rel)));
    box.appendChild(statementBlock(i));
    openPanel("edge", i, box);
  }

  function entityButton(id) {
    var b = el("button", nodeLabel(id));
    b.type = "button";
    b.addEventListener("click", function () { focusNode(id); openNode(id); });
    return b;
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
      if (found.length && nodeView.get(found[0])) { openNode(found[0]); }
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
    nodeView.refresh();
  }
  function setRelationVisible(name, on) {
    if (on) { state.hiddenRelations.delete(name); } else { state.hiddenRelations.add(name); }
    edgeView.refresh();
  }
  document.getElementById("kg-cross-only").addEventListener("change", function (event) {
    state.crossOnly = event.target.checked;
    nodeView.refresh();
    edgeView.refresh();
  });
  document.getElementById("kg-fit").addEventListener("click", function () {
    network.fit({ animation: false });
  });

  if (data.capped) {
    var note = document.getElementById("kg-cap-note");
    note.textContent = "显示 PageRank 最高的 " + data.initial.length + " / " + meta.length
      + " 个实体；双击节点展开邻居，搜索可找到全部实体。 Showing the top " + data.initial.length
      + " of " + meta.length + " entities by PageRank; double-click a node to expand, search finds all.";
    note.hidden = false;
  }

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
    drawnNodeIds: function () { return nodeView.getIds(); },
    labelOf: function (id) { var n = nodes.get(id); return n ? n.label : null; },
    highlighted: function () { return Array.from(state.highlighted); },
    idOf: function (iri) {
      for (var i = 0; i < meta.length; i++) { if (meta[i].iri === iri) { return i; } }
      return -1;
    }
  };
})();

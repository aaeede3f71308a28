/* asmgeo map viewer: draws the layers that asmgeo.maps packs into the page.
 *
 * Every string from the data (ids, names, holders, reasons) reaches the page through
 * textContent or document.createTextNode, never through innerHTML or a template, so a name
 * such as "<img src=x onerror=alert(1)>" shows as the literal text. The data itself arrives as
 * gzip + base64 text, which has none of the characters a template or script could interpret.
 */
(function () {
  "use strict";

  // On a phone the map comes first: every panel starts folded to its title and the minimap is left out.
  var PHONE = !!(window.matchMedia && window.matchMedia("(max-width: 600px)").matches);
  var LEGEND_SECTIONS = {};  // layer key -> its legend section, shown while the layer is
  var SHEET = null;  // on a phone: the bottom sheet that shows a feature's details
  var FLAGS = {};  // layer key -> the flags its features show (payload.flags)
  var STRINGS = {};  // the viewer's words in the run's language (payload.strings; English when absent)

  // The viewer's own words: an English template looked up in the run's language, {name} fields
  // filled in afterwards (so a value never becomes part of a template).
  var DECIMAL = ".";  // the decimal mark of the run's language
  function localNumber(text) { return String(text).replace(".", DECIMAL); }

  function tr(template, fields) {
    var text = STRINGS[template] || template;
    if (!fields) return text;
    return text.replace(/\{(\w+)\}/g, function (m, name) { return fields[name] === undefined ? m : String(fields[name]); });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  async function decode(base64) {
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  // Coordinates come as integers (degrees x scale), each ring delta-encoded: x0, y0, dx1, dy1, ...
  function ring(flat, scale, start, count) {
    start = start || 0;
    count = count === undefined ? flat.length / 2 : count;
    var out = new Array(count), x = 0, y = 0;
    for (var k = 0, i = start * 2; k < count; k++, i += 2) {
      x += flat[i]; y += flat[i + 1];
      out[k] = [y / scale, x / scale];
    }
    return out;
  }

  // Rebuilds each feature's Leaflet coordinates from the flat arrays and their sizes.
  function unpack(geometry, kind, scale, n) {
    var c = geometry.coords, out = new Array(n), k;
    if (kind === "point") {
      for (k = 0; k < n; k++) out[k] = [c[2 * k + 1] / scale, c[2 * k] / scale];
      return out;
    }
    var rings = geometry.ring_sizes, parts = geometry.feature_sizes, polys = geometry.poly_sizes;
    var point = 0, r = 0, p = 0;
    function nextRing() { var size = rings[r++], coords = ring(c, scale, point, size); point += size; return coords; }
    for (k = 0; k < n; k++) {
      var feature = [];
      for (var j = 0; j < parts[k]; j++) {
        if (kind === "line") { feature.push(nextRing()); continue; }
        var polygon = [];
        for (var h = polys[p++]; h > 0; h--) polygon.push(nextRing());
        feature.push(polygon);
      }
      out[k] = feature;
    }
    return out;
  }

  // The flags raised on feature k of a layer whose own fields do not list them (a licence, a
  // parcel, a footprint), from the map's flag index.
  function flagNotes(layer, k) {
    var index = FLAGS[layer.key];
    if (!index || !index.texts) return [];
    if (!index.byFeature) {
      index.byFeature = {};
      index.features.forEach(function (f, i) { (index.byFeature[f] = index.byFeature[f] || []).push(index.texts[i]); });
    }
    return index.byFeature[k] || [];
  }

  // The reason (or the flags) comes first, where a reader sees it without scrolling.
  function popupContent(layer, row, k) {
    var box = el("div", "asmgeo-popup");
    box.appendChild(el("div", "asmgeo-popup-title", layer.name));
    var notes = flagNotes(layer, k);
    if (notes.length) {
      box.appendChild(el("div", "asmgeo-popup-headline-label", notes.length === 1 ? tr("Flag") : tr("{n} flags", {n: notes.length})));
      box.appendChild(el("p", "asmgeo-popup-headline", notes.join("\n\n")));
    }
    var lead = layer.headline;
    if (lead !== undefined && row[lead] !== "" && row[lead] !== null && row[lead] !== undefined) {
      box.appendChild(el("div", "asmgeo-popup-headline-label", layer.fields[lead]));
      box.appendChild(el("p", "asmgeo-popup-headline", row[lead]));
    }
    var table = el("table");
    layer.fields.forEach(function (label, k) {
      var value = row[k];
      if (k === lead || value === "" || value === null || value === undefined) return;
      var tr = el("tr");
      tr.appendChild(el("th", null, label));
      tr.appendChild(el("td", null, value));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  // Point markers drawn as circle, triangle, diamond or square on the canvas: the status family is
  // told by the shape as well as by the colour.
  var ShapeMarker = L.CircleMarker.extend({
    _updatePath: function () {
      if (this.options.shape && this.options.shape !== "circle") this._renderer._updateShape(this);
      else this._renderer._updateCircle(this);
    }
  });
  L.Canvas.include({
    _updateShape: function (layer) {
      if (!this._drawing || layer._empty()) return;
      var p = layer._point, ctx = this._ctx, r = Math.max(Math.round(layer._radius), 1), shape = layer.options.shape;
      ctx.beginPath();
      if (shape === "square") ctx.rect(p.x - 0.9 * r, p.y - 0.9 * r, 1.8 * r, 1.8 * r);
      else if (shape === "triangle") {
        ctx.moveTo(p.x, p.y - 1.25 * r); ctx.lineTo(p.x + 1.15 * r, p.y + 0.85 * r); ctx.lineTo(p.x - 1.15 * r, p.y + 0.85 * r);
        ctx.closePath();
      } else {
        ctx.moveTo(p.x, p.y - 1.3 * r); ctx.lineTo(p.x + 1.1 * r, p.y); ctx.lineTo(p.x, p.y + 1.3 * r); ctx.lineTo(p.x - 1.1 * r, p.y);
        ctx.closePath();
      }
      this._fillStroke(ctx, layer);
    }
  });

  var SVG = "http://www.w3.org/2000/svg";
  function svgNode(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (a) { node.setAttribute(a, String(attrs[a])); });
    return node;
  }

  // A legend swatch: the shape of a point, a filled or outlined area, a line.
  function swatch(layer, entry) {
    var svg = svgNode("svg", {width: 16, height: 14, viewBox: "0 0 16 14", "class": "asmgeo-swatch-svg"});
    var style = layer.style || {}, colour = entry[2], outline = style.outline || colour;
    if (layer.kind === "line") {
      svg.appendChild(svgNode("line", {x1: 1, y1: 7, x2: 15, y2: 7, stroke: colour, "stroke-width": 3}));
    } else if (layer.kind === "point") {
      var shape = entry[3] || "circle", a = {fill: colour, stroke: outline, "stroke-width": 1};
      if (shape === "square") svg.appendChild(svgNode("rect", Object.assign({x: 3, y: 2, width: 10, height: 10}, a)));
      else if (shape === "triangle") svg.appendChild(svgNode("polygon", Object.assign({points: "8,1 14,13 2,13"}, a)));
      else if (shape === "diamond") svg.appendChild(svgNode("polygon", Object.assign({points: "8,0 14,7 8,14 2,7"}, a)));
      else svg.appendChild(svgNode("circle", Object.assign({cx: 8, cy: 7, r: 5.5}, a)));
    } else {
      var hollow = style.fillOpacity === 0;
      svg.appendChild(svgNode("rect", {x: 1.5, y: 1.5, width: 13, height: 11, fill: hollow ? "none" : colour,
        "fill-opacity": hollow ? 0 : 0.6, stroke: outline, "stroke-width": hollow ? 2.5 : 1.5,
        "stroke-dasharray": style.dashArray ? "3 2" : "none"}));
    }
    return svg;
  }

  function styleFor(layer, k) {
    var entry = layer.legend.entries[layer.colors[k]] || ["", "", "#777777"];
    var base = layer.style || {};
    return {
      color: base.outline || entry[2], fillColor: entry[2], weight: base.weight || 2,
      opacity: 0.9, fillOpacity: base.fillOpacity === undefined ? 0.35 : base.fillOpacity,
      dashArray: base.dashArray || null, radius: base.radius || 6, shape: entry[3] || "circle"
    };
  }

  function buildFeature(layer, coords, k, renderer) {
    var style = styleFor(layer, k), shape;
    style.renderer = renderer;
    if (layer.kind === "point") shape = new ShapeMarker(coords, style);
    else if (layer.kind === "line") shape = L.polyline(coords, style);
    else shape = L.polygon(coords, style);
    // Popups are built when opened: 50k DOM trees up front would cost seconds. On a phone the
    // details open in a sheet along the bottom of the screen instead, never under a panel.
    if (PHONE) shape.on("click", function () { SHEET.show(layer, k); });
    else shape.bindPopup(function () { return popupContent(layer, layer.rows[k], k); }, {maxWidth: 420, minWidth: 260});
    shape.asmgeoIndex = k;
    return shape;
  }

  // Grid clustering of point layers: at each zoom, points that fall in the same screen cell
  // are drawn as one count badge; clicking a badge zooms in on its points. Markers are made when
  // first shown (``shape(k)``): a national layer of 100k sites draws as a few hundred badges.
  function Clusterer(map, layer, coords, shape, group) {
    var cellPx = 56, maxZoom = layer.clusterMaxZoom || 15, badges = L.layerGroup();
    var n = coords.length, px = new Float64Array(n), py = new Float64Array(n);
    var crs = map.options.crs, k;
    for (k = 0; k < n; k++) {  // projected once at zoom 0; at zoom z a point is 2^z further out
      var p0 = crs.latLngToPoint(L.latLng(coords[k][0], coords[k][1]), 0);
      px[k] = p0.x; py[k] = p0.y;
    }
    function redraw() {
      group.clearLayers();
      badges.clearLayers();
      if (!map.hasLayer(group)) return;
      var zoom = map.getZoom();
      var mask = layer.mask;  // filters and sliders: the features shown
      if (zoom >= maxZoom) { for (k = 0; k < n; k++) if (!mask || mask[k]) group.addLayer(shape(k)); return; }
      var scale = Math.pow(2, zoom), cells = new Map();  // a power of two: px * scale is exact
      for (k = 0; k < n; k++) {
        if (mask && !mask[k]) continue;
        var key = Math.floor(px[k] * scale / cellPx) + ":" + Math.floor(py[k] * scale / cellPx);
        var members = cells.get(key);
        if (members) members.push(k); else cells.set(key, [k]);
      }
      cells.forEach(function (members) {
        if (members.length === 1) { group.addLayer(shape(members[0])); return; }
        var bounds = L.latLngBounds(members.map(function (m) { return coords[m]; }));
        var size = 26 + Math.min(24, Math.round(6 * Math.log10(members.length)));
        var badge = pie(layer, members, size);
        var marker = L.marker(bounds.getCenter(), {
          icon: L.divIcon({html: badge, className: "asmgeo-cluster", iconSize: [size, size]}),
          keyboard: false, title: badge.title
        });
        marker.on("click", function () { map.fitBounds(bounds.pad(0.3), {maxZoom: maxZoom}); });
        badges.addLayer(marker);
      });
      badges.addTo(map);
    }
    map.on("zoomend", redraw);
    map.on("overlayadd overlayremove", function (e) {
      if (e.layer === group) { if (e.type === "overlayremove") badges.remove(); redraw(); }
    });
    this.redraw = redraw;
    this.badges = badges;
  }

  // A cluster as a small pie of its members' legend entries (statuses), with the count in the middle.
  function pie(layer, members, size) {
    var counts = {}, order = [];
    members.forEach(function (m) {
      var c = layer.colors[m];
      if (!(c in counts)) { counts[c] = 0; order.push(c); }
      counts[c]++;
    });
    order.sort(function (a, b) { return a - b; });
    var box = el("div", "asmgeo-cluster-badge");
    var r = size / 2, svg = svgNode("svg", {width: size, height: size, viewBox: "0 0 " + size + " " + size});
    var start = -Math.PI / 2, parts = [];
    order.forEach(function (c) {
      var entry = layer.legend.entries[c] || ["", "", "#777777"], share = counts[c] / members.length;
      parts.push(counts[c] + " " + entry[1]);
      if (share >= 0.9999) {
        svg.appendChild(svgNode("circle", {cx: r, cy: r, r: r - 1, fill: entry[2], stroke: "#fff", "stroke-width": 1.5}));
        return;
      }
      var end = start + share * 2 * Math.PI, large = share > 0.5 ? 1 : 0;
      var x0 = r + (r - 1) * Math.cos(start), y0 = r + (r - 1) * Math.sin(start);
      var x1 = r + (r - 1) * Math.cos(end), y1 = r + (r - 1) * Math.sin(end);
      svg.appendChild(svgNode("path", {d: "M" + r + "," + r + " L" + x0.toFixed(2) + "," + y0.toFixed(2) + " A" + (r - 1) + "," +
        (r - 1) + " 0 " + large + " 1 " + x1.toFixed(2) + "," + y1.toFixed(2) + " Z", fill: entry[2], stroke: "#fff",
        "stroke-width": 1}));
      start = end;
    });
    svg.appendChild(svgNode("circle", {cx: r, cy: r, r: r * 0.45, fill: "#fff", "fill-opacity": 0.92}));
    var text = svgNode("text", {x: r, y: r + 4, "text-anchor": "middle", "font-size": 11, "font-weight": 600, fill: "#222"});
    text.textContent = String(members.length);
    svg.appendChild(text);
    box.appendChild(svg);
    box.setAttribute("data-count", String(members.length));
    box.title = tr("{n} points: {parts}. Click to zoom in.", {n: members.length, parts: parts.join(", ")});
    return box;
  }

  function legendControl(payload) {
    var control = L.control({position: "bottomright"});
    control.onAdd = function () {
      var box = el("details", "asmgeo-legend leaflet-control");
      box.open = !PHONE;
      box.appendChild(el("summary", "asmgeo-legend-heading", tr("Legend")));
      payload.layers.forEach(function (layer) {
        var section = el("div", "asmgeo-legend-section");
        section.setAttribute("data-layer", layer.key);
        section.appendChild(el("div", "asmgeo-legend-title", layer.name + (layer.legend.title ? ": " + layer.legend.title : "")));
        layer.legend.entries.forEach(function (entry) {
          var row = el("div", "asmgeo-legend-row");
          row.appendChild(swatch(layer, entry));
          row.appendChild(el("span", null, entry[1]));
          section.appendChild(row);
        });
        box.appendChild(section);
        LEGEND_SECTIONS[layer.key] = section;
      });
      (payload.images || []).forEach(function (image) {
        var section = el("div", "asmgeo-legend-section");
        section.setAttribute("data-layer", image.key);
        section.appendChild(el("div", "asmgeo-legend-title", image.name));
        image.legend.forEach(function (entry) {
          var row = el("div", "asmgeo-legend-row");
          row.appendChild(swatch({kind: "polygon", style: {}}, entry));
          row.appendChild(el("span", null, entry[1]));
          section.appendChild(row);
        });
        box.appendChild(section);
        LEGEND_SECTIONS[image.key] = section;
      });
      L.DomEvent.disableScrollPropagation(box);
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    return control;
  }

  // One line (the title) until opened: the run, its date and its sources are one click away and
  // hide no data.
  function captionControl(payload) {
    var control = L.control({position: "bottomleft"});
    control.onAdd = function () {
      var box = el("details", "asmgeo-caption leaflet-control");
      box.appendChild(el("summary", "asmgeo-caption-title", payload.title));
      payload.caption.forEach(function (line) { box.appendChild(el("div", null, line)); });
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    return control;
  }

  // On a phone: a feature's details in a sheet along the bottom of the screen, above every panel.
  function Sheet(map) {
    var box = el("div", "asmgeo-sheet");
    box.setAttribute("role", "dialog");
    box.hidden = true;
    var close = el("button", "asmgeo-sheet-close", "\u00d7");
    close.type = "button";
    close.setAttribute("aria-label", tr("Close"));
    var content = el("div", "asmgeo-sheet-content");
    box.appendChild(close);
    box.appendChild(content);
    map.getContainer().appendChild(box);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    close.addEventListener("click", function () { box.hidden = true; });
    this.show = function (layer, k) {
      content.textContent = "";
      content.appendChild(popupContent(layer, layer.rows[k], k));
      box.hidden = false;
      box.scrollTop = 0;
    };
    this.box = box;
  }

  // On a phone every panel folds behind one menu button, so the map is what shows first.
  function menuControl(map) {
    var control = L.control({position: "topleft"});
    control.onAdd = function () {
      var button = el("a", "asmgeo-button asmgeo-menu-button leaflet-bar", "\u2630");
      button.href = "#";
      button.title = tr("Layers, legend, search and lists");
      button.setAttribute("role", "button");
      button.setAttribute("aria-expanded", "false");
      L.DomEvent.on(button, "click", function (e) {
        L.DomEvent.preventDefault(e);
        L.DomEvent.stopPropagation(e);
        var open = map.getContainer().classList.toggle("asmgeo-menu-open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
      return button;
    };
    return control;
  }

  function notice(map, text) {
    var box = el("div", "asmgeo-notice", text);
    box.setAttribute("role", "status");
    map.getContainer().appendChild(box);
    return box;
  }

  function fullscreenIcon() {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg"), path = document.createElementNS(ns, "path");
    svg.setAttribute("width", "16"); svg.setAttribute("height", "16"); svg.setAttribute("viewBox", "0 0 16 16");
    path.setAttribute("d", "M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5");
    path.setAttribute("fill", "none"); path.setAttribute("stroke", "#222"); path.setAttribute("stroke-width", "2");
    svg.appendChild(path);
    return svg;
  }

  function fullscreenControl(map) {
    var control = L.control({position: "topleft"});
    control.onAdd = function () {
      var button = el("a", "asmgeo-button leaflet-bar");
      button.appendChild(fullscreenIcon());
      button.href = "#";
      button.title = tr("Full screen");
      button.setAttribute("role", "button");
      L.DomEvent.on(button, "click", function (e) {
        L.DomEvent.preventDefault(e);
        var box = map.getContainer();
        if (document.fullscreenElement) document.exitFullscreen();
        else if (box.requestFullscreen) box.requestFullscreen();
      });
      return button;
    };
    return control;
  }

  function minimap(map, payload, scale) {
    var control = L.control({position: "bottomleft"});
    control.onAdd = function () {
      var box = el("div", "asmgeo-minimap leaflet-control");
      box.title = tr("Overview: the rectangle is the part shown in the main map");
      return box;
    };
    control.addTo(map);
    var box = control.getContainer();
    var mini = L.map(box, {zoomControl: false, attributionControl: false, dragging: false,
                           scrollWheelZoom: false, doubleClickZoom: false, boxZoom: false,
                           keyboard: false, touchZoom: false, preferCanvas: true});
    payload.overview.forEach(function (poly) {
      L.polygon(poly.map(function (r) { return ring(r, scale); }),
                {color: "#555555", weight: 1, fillOpacity: 0.15, interactive: false}).addTo(mini);
    });
    var view = L.rectangle(map.getBounds(), {color: "#d7301f", weight: 2, fill: false, interactive: false}).addTo(mini);
    mini.fitBounds(payload.bounds);
    map.on("moveend", function () { view.setBounds(map.getBounds()); });
    return mini;
  }

  function searchControl(api) {
    var control = L.control({position: "topright"});
    control.onAdd = function () {
      var box = el("div", "asmgeo-search leaflet-control");
      var input = el("input");
      input.type = "search";
      input.placeholder = tr("Search site or licence id");
      input.setAttribute("aria-label", tr("Search site or licence id"));
      var results = el("div", "asmgeo-search-results");
      box.appendChild(input);
      box.appendChild(results);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      input.addEventListener("input", function () {
        results.textContent = "";
        var query = input.value.trim().toLowerCase();
        if (query.length < 2) return;
        api.search(query, 25).forEach(function (hit) {
          var item = el("a", "asmgeo-search-hit", hit.label);
          item.href = "#";
          item.addEventListener("click", function (e) {
            e.preventDefault();
            api.open(hit.layer, hit.index);
          });
          results.appendChild(item);
        });
        if (!results.childNodes.length) results.appendChild(el("div", "asmgeo-search-none", tr("No match")));
      });
      return box;
    };
    return control;
  }

  function listPanel(map, payload, api) {
    var spec = payload.panel;
    var layer = payload.layers.filter(function (l) { return l.key === spec.layer; })[0];
    var control = L.control({position: "topleft"});  // the right-hand side holds the layers and the legend
    control.onAdd = function () {
      var box = el("details", "asmgeo-panel leaflet-control");
      box.open = !PHONE;
      box.appendChild(el("summary", "asmgeo-panel-title", spec.title));
      var list = el("ol", "asmgeo-panel-list");
      spec.order.forEach(function (k) {
        var item = el("li", "asmgeo-panel-item");
        var swatch = el("span", "asmgeo-swatch asmgeo-swatch-polygon");
        swatch.style.background = layer.legend.entries[layer.colors[k]][2];
        item.appendChild(swatch);
        item.appendChild(el("span", null, spec.labels[k]));
        item.title = tr("Zoom to this overlap");
        item.addEventListener("click", function () { api.open(spec.layer, k); });
        list.appendChild(item);
      });
      if (!spec.order.length) list.appendChild(el("li", null, spec.empty));
      box.appendChild(list);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    return control;
  }

  // The planner's weights: one slider per criterion and one for the score threshold. Zones are
  // held fixed (as in candidates/sensitivity.csv): a zone's score is the weighted mean of its
  // cells' criteria, so it is recomputed from each zone's mean criteria, in the page.
  function plannerScores(spec, weights) {
    var total = 0;
    spec.criteria.forEach(function (c) { total += Math.max(0, weights[c]); });
    return spec.ids.map(function (_, k) {
      var score = 0;
      spec.criteria.forEach(function (c) { score += (total ? Math.max(0, weights[c]) / total : 0) * spec.crit[c][k]; });
      return score;
    });
  }

  function plannerRanking(spec, weights, threshold) {
    var scores = plannerScores(spec, weights);
    var order = spec.ids.map(function (_, k) { return k; }).filter(function (k) { return scores[k] >= threshold - 1e-12; });
    order.sort(function (a, b) {
      var d = Math.round((scores[b] - scores[a]) * 1e10);
      return d !== 0 ? d : (spec.ids[a] < spec.ids[b] ? -1 : 1);
    });
    return {order: order, scores: scores};
  }

  function plannerControl(map, payload, api) {
    var spec = payload.planner, weights = {}, threshold = spec.threshold;
    spec.criteria.forEach(function (c) { weights[c] = spec.weights[c]; });
    var base = plannerRanking(spec, weights, threshold).order.slice(0, 5);
    var control = L.control({position: "bottomright"});
    var summary, list;
    function update() {
      var result = plannerRanking(spec, weights, threshold);
      var entry = api.layers[spec.layer];
      var shown = {};
      result.order.forEach(function (k) { shown[k] = true; });
      entry.spec.rows.forEach(function (_, k) {
        var shape = entry.shape(k);
        if (shown[k]) { if (!entry.group.hasLayer(shape)) entry.group.addLayer(shape); }
        else if (entry.group.hasLayer(shape)) entry.group.removeLayer(shape);
      });
      var top = result.order.slice(0, 5).map(function (k) { return spec.ids[k]; });
      var baseIds = base.map(function (k) { return spec.ids[k]; });
      var entered = top.filter(function (z) { return baseIds.indexOf(z) < 0; });
      var left = baseIds.filter(function (z) { return top.indexOf(z) < 0; });
      summary.textContent = tr("Top 5: {zones}", {zones: top.join(", ") || tr("none")}) +
        (entered.length ? "; " + tr("entered: {zones}", {zones: entered.join(", ")}) : "") +
        (left.length ? "; " + tr("left: {zones}", {zones: left.join(", ")}) : "");
      while (list.firstChild) list.removeChild(list.firstChild);
      result.order.forEach(function (k, r) {
        var item = el("li", "asmgeo-panel-item", tr("#{rank}: {zone}, score {score}", {rank: r + 1, zone: spec.ids[k], score: localNumber(result.scores[k].toFixed(2))}));
        item.addEventListener("click", function () { api.open(spec.layer, k); });
        list.appendChild(item);
      });
      if (!result.order.length) list.appendChild(el("li", null, tr("No zone reaches the threshold.")));
      api.planner.last = {order: result.order.map(function (k) { return spec.ids[k]; }), scores: result.scores};
    }
    function slider(box, label, value, onChange) {
      var row = el("label", "asmgeo-planner-row");
      var text = el("span", "asmgeo-planner-label", label);
      var input = el("input");
      input.type = "range"; input.min = "0"; input.max = "1"; input.step = "0.05"; input.value = String(value);
      input.setAttribute("aria-label", label);
      var out = el("span", "asmgeo-planner-value", localNumber(Number(value).toFixed(2)));
      input.addEventListener("input", function () { out.textContent = localNumber(Number(input.value).toFixed(2)); onChange(Number(input.value)); update(); });
      row.appendChild(text); row.appendChild(input); row.appendChild(out);
      box.appendChild(row);
      return input;
    }
    control.onAdd = function () {
      var box = el("details", "asmgeo-planner leaflet-control");
      box.appendChild(el("summary", "asmgeo-panel-title", tr("Weights (move to re-rank the zones)")));
      api.planner.inputs = {};
      spec.criteria.forEach(function (c) {
        api.planner.inputs[c] = slider(box, (spec.labels && spec.labels[c]) || c.replace(/_/g, " "), weights[c], function (v) { weights[c] = v; });
      });
      api.planner.inputs.threshold = slider(box, tr("minimum zone score"), threshold, function (v) { threshold = v; });
      box.appendChild(el("p", "asmgeo-planner-note", tr("Zones were drawn from cells scoring at least {threshold} " +
        "under the configured weights; here a zone is listed while its mean score under these weights reaches the " +
        "minimum. A lower minimum adds no new zone: rerun with a lower candidates.score_threshold to draw more.",
        {threshold: localNumber(Number(spec.threshold).toFixed(2))})));
      summary = el("p", "asmgeo-planner-summary");
      list = el("ol", "asmgeo-panel-list");
      box.appendChild(summary); box.appendChild(list);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      setTimeout(update, 0);
      return box;
    };
    api.planner = {rank: function (w, t) {
      return plannerRanking(spec, w, t === undefined ? spec.threshold : t).order.map(function (k) { return spec.ids[k]; });
    }};
    return control;
  }

  // Filters (chips or a text box per field), a year slider and the licences' 'as of' slider: each
  // feature is shown while it passes every filter; the layer list says how many are shown.
  function applyFilters(entry) {
    var spec = entry.spec, n = spec.rows.length, mask = spec.mask || (spec.mask = new Uint8Array(n)), shown = 0;
    var filters = spec.filters || [];
    for (var k = 0; k < n; k++) {
      var ok = true;
      for (var i = 0; i < filters.length && ok; i++) {
        var f = filters[i], m = f.members[k], sel = entry.selected[i], text = entry.text[i];
        var mine = Array.isArray(m) ? m : (m < 0 ? [] : [m]);
        if (sel && sel.size) ok = mine.some(function (v) { return sel.has(v); });
        if (ok && text) ok = mine.some(function (v) { return f.values[v].toLowerCase().indexOf(text) >= 0; });
      }
      if (ok && spec.time && entry.year !== null) ok = spec.time.values[k] !== null && spec.time.values[k] <= entry.year;
      mask[k] = ok ? 1 : 0;
      if (ok) shown++;
    }
    if (entry.clusterer) entry.clusterer.redraw();
    else {
      entry.shapes.forEach(function (shape, k) {
        var has = entry.group.hasLayer(shape);
        if (mask[k] && !has) entry.group.addLayer(shape);
        else if (!mask[k] && has) entry.group.removeLayer(shape);
        var label = entry.labels[k];
        if (label && mask[k] && !entry.group.hasLayer(label)) entry.group.addLayer(label);
        else if (label && !mask[k] && entry.group.hasLayer(label)) entry.group.removeLayer(label);
      });
    }
    entry.shown = shown;
    document.querySelectorAll('.leaflet-control-layers span[data-layer="' + spec.key + '"]').forEach(function (span) {
      span.textContent = spec.name + " (" + (shown === n ? n : tr("{shown} of {n}", {shown: shown, n: n})) + ")";
    });
    return shown;
  }

  function setAsOf(entry, stop) {
    var line = entry.spec.timeline, counts = {};
    entry.asOf = stop;
    line.changes.forEach(function (changes, k) {
      var code = changes[0][1];
      for (var j = 0; j < changes.length && changes[j][0] <= stop; j++) code = changes[j][1];
      var colour = line.entries[code][2], style = {fillColor: colour};
      if (!(entry.spec.style && entry.spec.style.outline)) style.color = colour;
      entry.shape(k).setStyle(style);
      counts[code] = (counts[code] || 0) + 1;
    });
    return Object.keys(counts).map(Number).sort(function (a, b) { return a - b; }).map(function (c) {
      return counts[c] + " " + line.entries[c][1];
    }).join(", ");
  }

  function filterControl(map, api) {
    var entries = Object.keys(api.layers).map(function (key) { return api.layers[key]; }).filter(function (entry) {
      var spec = entry.spec;
      return (spec.filters && spec.filters.length) || spec.time || spec.timeline;
    });
    if (!entries.length) return null;
    var control = L.control({position: "topleft"});
    control.onAdd = function () {
      var box = el("details", "asmgeo-filters leaflet-control");
      box.appendChild(el("summary", "asmgeo-panel-title", tr("Filters and dates")));
      entries.forEach(function (entry) {
        var spec = entry.spec, section = el("fieldset", "asmgeo-filter-layer");
        section.setAttribute("data-layer", spec.key);
        section.appendChild(el("legend", null, spec.name));
        (spec.filters || []).forEach(function (f, i) {
          var row = el("div", "asmgeo-filter");
          row.appendChild(el("div", "asmgeo-filter-label", f.label));
          if (f.text) {
            var input = el("input");
            input.type = "search";
            input.placeholder = tr("{label} contains", {label: f.label});
            input.setAttribute("aria-label", spec.name + ": " + tr("{label} contains", {label: f.label}));
            input.addEventListener("input", function () { entry.text[i] = input.value.trim().toLowerCase(); applyFilters(entry); });
            row.appendChild(input);
          } else {
            f.values.forEach(function (value, v) {
              var chip = el("button", "asmgeo-chip", value + " (" + f.counts[v] + ")");
              chip.type = "button";
              chip.setAttribute("aria-pressed", "false");
              chip.addEventListener("click", function () {
                var sel = entry.selected[i] || (entry.selected[i] = new Set());
                if (sel.has(v)) sel.delete(v); else sel.add(v);
                chip.setAttribute("aria-pressed", sel.has(v) ? "true" : "false");
                applyFilters(entry);
              });
              row.appendChild(chip);
            });
          }
          section.appendChild(row);
        });
        if (spec.time) {
          var row = el("label", "asmgeo-filter asmgeo-slider"), out = el("output", null, String(spec.time.max));
          var range = el("input");
          range.type = "range"; range.min = String(spec.time.min); range.max = String(spec.time.max); range.step = "1";
          range.value = String(spec.time.max);
          range.setAttribute("aria-label", spec.name + ": " + spec.time.label);
          range.addEventListener("input", function () { entry.year = Number(range.value); out.textContent = range.value; applyFilters(entry); });
          row.appendChild(el("span", "asmgeo-filter-label", spec.time.label));
          row.appendChild(range); row.appendChild(out);
          section.appendChild(row);
          entry.yearInput = range;
        }
        if (spec.timeline) {
          var line = spec.timeline, trow = el("label", "asmgeo-filter asmgeo-slider");
          var tout = el("output", null, line.dates[line.start]), tsum = el("div", "asmgeo-planner-note");
          var trange = el("input");
          trange.type = "range"; trange.min = "0"; trange.max = String(line.dates.length - 1); trange.step = "1";
          trange.value = String(line.start);
          trange.setAttribute("aria-label", spec.name + ": " + line.label);
          trange.addEventListener("input", function () {
            var stop = Number(trange.value);
            tout.textContent = line.dates[stop];
            tsum.textContent = setAsOf(entry, stop);
          });
          trow.appendChild(el("span", "asmgeo-filter-label", line.label));
          trow.appendChild(trange); trow.appendChild(tout);
          section.appendChild(trow);
          section.appendChild(tsum);
          section.appendChild(el("div", "asmgeo-planner-note", line.note));
          entry.asOfInput = trange;
        }
        box.appendChild(section);
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    return control;
  }

  async function render(map, base64) {
    var payload = await decode(base64);
    var scale = payload.scale, renderer = L.canvas({padding: 0.3, tolerance: 4});
    var overlays = {}, api = {layers: {}, counts: {}, payload: payload, map: map};
    FLAGS = payload.flags || {};
    STRINGS = payload.strings || {};
    DECIMAL = payload.decimal || ".";
    if (PHONE) {
      map.getContainer().classList.add("asmgeo-phone");
      SHEET = new Sheet(map);
    }
    // the view first: every shape is then projected and drawn once, at the view it is shown at
    map.fitBounds(payload.bounds, {animate: false});

    // Online basemaps (street, satellite, ...): the first is shown when there is a connection; the
    // offline reference layer (country borders) and the study's own layers are drawn either way.
    var bases = {}, credit = null;
    (payload.basemaps || []).forEach(function (basemap, i) {
      var tiles = L.tileLayer(basemap.url, {maxZoom: basemap.max_zoom || 19});
      tiles.getAttribution = function () { return ""; };  // shown as text in its own box below
      tiles.asmgeoCredit = basemap.attribution;
      tiles.on("tileerror", function () {
        if (api.tileNotice) return;
        api.tileNotice = notice(map, tr("The basemap could not be loaded (no connection?): the map shows the " +
          "offline reference layer and its own layers."));
        setTimeout(function () { if (api.tileNotice) { api.tileNotice.remove(); } }, 6000);
      });
      bases[el("span", null, basemap.name).outerHTML] = tiles;
      if (i === 0) tiles.addTo(map);
    });
    if (payload.basemaps && payload.basemaps.length) {
      bases[el("span", null, tr("No basemap")).outerHTML] = L.layerGroup();
      credit = L.control({position: "bottomright"});
      credit.onAdd = function () { return el("div", "asmgeo-credit leaflet-control", payload.basemaps[0].attribution); };
      credit.addTo(map);
      map.on("baselayerchange", function (e) {
        credit.getContainer().textContent = e.layer.asmgeoCredit || "";
      });
    }

    payload.layers.forEach(function (layer) {
      var coords = unpack(layer.geometry, layer.kind, scale, layer.rows.length);
      var clustered = layer.kind === "point" && layer.cluster;
      // clustered points: a marker is made when first shown; other layers are drawn whole
      var shapes = clustered ? new Array(coords.length)
        : coords.map(function (c, k) { return buildFeature(layer, c, k, renderer); });
      var shape = function (k) { return shapes[k] || (shapes[k] = buildFeature(layer, coords[k], k, renderer)); };
      var group = L.featureGroup();
      var entry = {spec: layer, shapes: shapes, shape: shape, group: group, clusterer: null, selected: [], text: [],
                   year: null, shown: shapes.length};
      if (clustered) {
        entry.clusterer = new Clusterer(map, layer, coords, shape, group);
      } else {
        shapes.forEach(function (s) { group.addLayer(s); });
      }
      entry.labels = [];
      if (layer.labels) {
        layer.labels.forEach(function (text, k) {
          if (text === "" || text === null) return;
          var badge = el("div", (layer.style && layer.style.labelClass) || "asmgeo-label-badge", text);
          var center = shape(k).getBounds ? shape(k).getBounds().getCenter() : shape(k).getLatLng();
          entry.labels[k] = L.marker(center, {icon: L.divIcon({html: badge, className: "asmgeo-label", iconSize: null}),
                                               interactive: false, keyboard: false});
          group.addLayer(entry.labels[k]);
        });
      }
      api.layers[layer.key] = entry;
      api.counts[layer.key] = shapes.length;
      // Layer names are ours; the count is a number. The control inserts names as HTML, so
      // they still pass through a text node first.
      var label = el("span", null, layer.name + " (" + shapes.length + ")");
      label.setAttribute("data-layer", layer.key);
      overlays[label.outerHTML] = group;
      if (layer.show) group.addTo(map);
    });

    // Rasters (the change raster, the loss-year product) as image overlays, off at first.
    api.images = {};
    (payload.images || []).forEach(function (image) {
      var overlay = L.imageOverlay(image.url, image.bounds, {opacity: 0.8, interactive: false});
      var label = el("span", null, image.name + " (" + tr("raster") + ")");
      label.setAttribute("data-layer", image.key);
      overlays[label.outerHTML] = overlay;
      api.images[image.key] = overlay;
      if (image.show) overlay.addTo(map);
    });

    api.open = function (key, k) {
      var entry = api.layers[key];
      if (!map.hasLayer(entry.group)) map.addLayer(entry.group);
      var shape = entry.shape(k);
      // Without animation the zoom (and the clusters' redraw) is done before the popup opens.
      if (shape.getBounds) map.fitBounds(shape.getBounds().pad(0.5), {maxZoom: 17, animate: false});
      else map.setView(shape.getLatLng(), Math.max(map.getZoom(), entry.spec.clusterMaxZoom || 15), {animate: false});
      if (entry.clusterer) entry.clusterer.redraw();
      if (!map.hasLayer(shape)) entry.group.addLayer(shape);
      if (PHONE) SHEET.show(entry.spec, k); else shape.openPopup();
      return shape;
    };
    // page.html#flag=<flag_id> (the report's links): the feature that shows the flag, zoomed, opened
    api.openFlag = function (id) {
      var index = payload.flags || {}, keys = Object.keys(index);
      for (var i = 0; i < keys.length; i++) {
        var at = index[keys[i]].ids.indexOf(id);
        if (at >= 0) { api.open(keys[i], index[keys[i]].features[at]); return true; }
      }
      if (api.missing) api.missing.remove();
      api.missing = notice(map, tr("Flag {id} is not drawn on this map; every flag is listed in flags.csv and flags.gpkg.", {id: id}));
      return false;
    };
    function fromHash() {
      var found = /^#flag=(.+)$/.exec(window.location.hash || "");
      if (found) api.openFlag(decodeURIComponent(found[1]));
    }
    window.addEventListener("hashchange", fromHash);
    api.search = function (query, limit) {
      var hits = [];
      payload.layers.forEach(function (layer) {
        if (!layer.search) return;
        for (var k = 0; k < layer.rows.length && hits.length < limit; k++) {
          var text = layer.search.map(function (f) { return String(layer.rows[k][f]); }).join(" \u2014 ");
          if (text.toLowerCase().indexOf(query) >= 0) hits.push({layer: layer.key, index: k, label: layer.name + ": " + text});
        }
      });
      return hits;
    };

    if (PHONE) menuControl(map).addTo(map);
    L.control.layers(Object.keys(bases).length ? bases : null, overlays, {collapsed: false, position: "topright"}).addTo(map);
    if (payload.search) searchControl(api).addTo(map);
    var filters = filterControl(map, api);
    if (filters) filters.addTo(map);
    api.applyFilters = function (key) { return applyFilters(api.layers[key]); };
    api.setAsOf = function (key, stop) { return setAsOf(api.layers[key], stop); };
    if (payload.panel) listPanel(map, payload, api).addTo(map);
    if (payload.planner) plannerControl(map, payload, api).addTo(map);
    L.control.scale({metric: true, imperial: false, position: "bottomleft"}).addTo(map);
    fullscreenControl(map).addTo(map);
    captionControl(payload).addTo(map);
    legendControl(payload).addTo(map);
    Object.keys(api.layers).forEach(function (key) {
      if (api.layers[key].clusterer) api.layers[key].clusterer.redraw();
    });
    if (payload.minimap && !PHONE) api.minimap = minimap(map, payload, scale);
    // Map labels never sit on each other. Rank labels ("LY #3", "NDVI #2") must all be read: one that
    // would overlap a label already placed moves down, below it. Place names are placed largest town
    // first and left out where they would overlap (they come back when zoomed in).
    function declutter() {
      var placed = [], keys = Object.keys(api.layers);
      var hides = function (key) { var st = api.layers[key].spec.style; return !!(st && st.labelCollide === "hide"); };
      keys.filter(function (k) { return !hides(k); }).concat(keys.filter(hides)).forEach(function (key) {
        var hide = hides(key);
        api.layers[key].labels.forEach(function (marker) {
          if (!marker || !map.hasLayer(marker) || !marker._icon) return;
          var badge = marker._icon.firstChild;
          badge.style.transform = "";
          badge.style.visibility = "";
          var p = map.latLngToContainerPoint(marker.getLatLng()), w = badge.offsetWidth || 40, h = badge.offsetHeight || 16;
          var box = {x: p.x - w / 2, y: p.y - h / 2, w: w, h: h}, shift = 0;
          var hits = function (b) { return placed.some(function (o) {
            return b.x < o.x + o.w && o.x < b.x + b.w && b.y + shift < o.y + o.h && o.y < b.y + shift + b.h; }); };
          if (hide) {
            if (hits(box)) { badge.style.visibility = "hidden"; return; }
          } else {
            while (hits(box) && shift < 200) shift += h + 2;
            if (shift) badge.style.transform = "translate(-50%, calc(-50% + " + shift + "px))";
          }
          placed.push({x: box.x, y: box.y + shift, w: w, h: h});
        });
      });
    }
    map.on("zoomend moveend overlayadd overlayremove", declutter);
    api.declutter = declutter;

    // the legend shows the layers that are shown
    function legendFollows() {
      Object.keys(LEGEND_SECTIONS).forEach(function (key) {
        var entry = api.layers[key], image = api.images[key];
        LEGEND_SECTIONS[key].hidden = !((entry && map.hasLayer(entry.group)) || (image && map.hasLayer(image)));
      });
    }
    map.on("overlayadd overlayremove", legendFollows);
    legendFollows();
    window.asmgeo = api;
    declutter();
    fromHash();
    requestAnimationFrame(function () {
      document.documentElement.setAttribute("data-asmgeo-ready", "1");
    });
    return api;
  }

  window.asmgeoRender = function (map, base64) {
    render(map, base64).catch(function (error) {
      var box = el("div", "asmgeo-error", tr("This map could not be drawn: {error}", {error: error}));
      map.getContainer().appendChild(box);
      document.documentElement.setAttribute("data-asmgeo-ready", "error");
      throw error;
    });
  };
})();

// remedy-net dashboard: draws tables and SVG charts from this node's /api answers
// (the JSON of the View and Federation services). No library, nothing fetched from
// anywhere but this node. When a page is drawn, <body> gets data-ready="1" and
// data-render-ms (time since navigation started).
//
// Every word shown comes from /api/i18n: the node's Fluent files
// (node/core/locales/ui-*.ftl for the page, *.ftl for the codes' labels) in
// the language the reader chose with the switch (remembered in a cookie) or
// the browser asks for (Accept-Language). Codes stay in data-* attributes.
"use strict";

const main = document.getElementById("main");

// The public transparency page (a member may switch it on: `[http] public`)
// is this same page under /public, reading /public/api without sign-in; it
// shows what the shared log holds and nothing about the node itself.
const BASE = location.pathname === "/public" || location.pathname.startsWith("/public/") ? "/public" : "";

let I18N = { lang: "en", languages: [], strings: {}, fallback: [], labels: {}, labels_fallback: [] };

// The message `id` with its {$name} placeables filled in from `args`.
function t(id, args) {
  let s = I18N.strings[id];
  if (s === undefined) s = id;
  for (const [k, v] of Object.entries(args || {})) s = s.split("{$" + k + "}").join(String(v));
  return s;
}

// The label of `code` in code list `list` (theme, grievance, outcome, ...), or
// the code when it has none.
function label(list, code) {
  const l = (I18N.labels[list] || {})[code];
  return l === undefined ? code : l;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else if (k === "href" && BASE && v.startsWith("/") && !v.startsWith("/lang")) e.href = BASE + v;
    else e[k] = v;
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Who is signed in (`/api/me`): member, node, operator?
let ME = null;

async function get(url) {
  if (BASE && url.startsWith("/api/") && !url.startsWith("/api/i18n")) url = BASE + url;
  const r = await fetch(url, { credentials: "same-origin" });
  if (!r.ok) throw new Error(url + ": " + r.status + " " + (await r.text()));
  return r.json();
}

// A figure as a table cell: its status is its class, and a suppressed figure
// says so instead of showing a number. A noised figure shows its standard error.
function figureText(f) {
  if (!f) return "";
  const error = typeof f.standard_error === "number" ? " ±" + Math.round(f.standard_error) : "";
  switch (f.status) {
    case "published": return String(f.value);
    case "suppressed": return t("ui-figure-suppressed");
    case "noised": return "~" + f.value + error;
    case "lower-bound": return "≥ " + f.value;
    case "noised-lower-bound": return "≥ ~" + f.value + error;
    case "not-additive": return "—";
    default: return f.value === null ? "" : String(f.value);
  }
}

function figureCell(f, data) {
  const attrs = { class: f ? f.status : "", "data-status": f ? f.status : "none",
    "data-value": f && f.value !== null ? String(f.value) : "" };
  for (const [k, v] of Object.entries(data || {})) attrs["data-" + k] = v;
  const td = el("td", attrs, figureText(f));
  if (f && f.status === "suppressed") td.title = t("ui-figure-suppressed-title");
  if (f && typeof f.standard_error === "number") {
    td.dataset.standardError = String(f.standard_error);
    td.title = t("ui-figure-noised-title", { error: f.standard_error, variance: f.variance,
      range: Math.round(1.96 * f.standard_error) });
  }
  return td;
}

function table(headers, rows, attrs) {
  return el("table", attrs || {},
    el("thead", {}, el("tr", {}, headers.map((h, i) => el("th", { class: i === 0 ? "row" : "" }, h)))),
    el("tbody", {}, rows));
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"];

// A legend's colour swatch, styled through the CSSOM (the page's
// Content-Security-Policy allows no inline style attributes).
function swatch(color) {
  const i = el("i");
  i.style.background = color;
  return i;
}

// A line chart: series = [{name, points: [{x: label, y: number|null, status}]}].
// A point without a number is a gap with a grey mark at the bottom, never a zero.
// `id` names the chart: its <svg> and every point carry it as data-chart.
function lineChart(id, title, labels, series, unit) {
  const W = 560, H = 220, L = 44, R = 36, T = 24, B = 34;
  const values = series.flatMap(s => s.points.map(p => p.y)).filter(v => v !== null);
  const max = Math.max(1, ...values) * 1.1;
  const x = i => L + (labels.length === 1 ? (W - L - R) / 2 : i * (W - L - R) / (labels.length - 1));
  const y = v => T + (H - T - B) * (1 - v / max);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("data-chart", id);
  svg.setAttribute("width", W);
  svg.setAttribute("height", H);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", title);
  const add = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  add("text", { x: L, y: 14 }, title);
  for (let k = 0; k <= 4; k++) {
    const v = max * k / 4;
    add("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e5e7eb" });
    add("text", { x: 4, y: y(v) + 4 }, (Math.round(v * 10) / 10) + (unit || ""));
  }
  labels.forEach((l, i) => add("text", { x: x(i) - 22, y: H - 12 }, l));
  series.forEach((s, n) => {
    const color = COLORS[n % COLORS.length];
    let path = "";
    s.points.forEach((p, i) => {
      if (p.y === null) {
        path += " ";
        add("text", { x: x(i) - 3, y: H - B + 10, fill: "#6b7280", "data-chart": id, "data-series": s.key || s.name,
          "data-x": p.x, "data-status": p.status }, "×").append(Object.assign(document.createElementNS(ns, "title"),
          { textContent: s.name + " " + p.x + ": " + statusText(p.status) }));
        return;
      }
      path += (path === "" || path.endsWith(" ") ? "M" : "L") + x(i) + "," + y(p.y);
      const c = add("circle", { cx: x(i), cy: y(p.y), r: 3, fill: color, "data-chart": id, "data-series": s.key || s.name,
        "data-x": p.x, "data-y": String(p.y) });
      c.append(Object.assign(document.createElementNS(ns, "title"),
        { textContent: s.name + " " + p.x + ": " + p.y + (unit || "") }));
    });
    path.trim().split(" ").filter(Boolean).forEach(d =>
      add("path", { d, fill: "none", stroke: color, "stroke-width": 2 }));
  });
  const legend = el("div", { class: "legend" }, series.map((s, n) =>
    el("span", {}, swatch(COLORS[n % COLORS.length]), s.name)));
  return el("figure", {}, svg, legend,
    el("figcaption", {}, t("ui-chart-gaps")));
}

// Why a point is missing: a figure's status or one of the chart's own reasons.
function statusText(status) {
  const id = "ui-status-" + status;
  return I18N.strings[id] === undefined ? status : t(id);
}

function colIndex(t, name) { return t.columns.indexOf(name); }

// What the overview counts. Cases come from channel-outcome, which counts each
// case once: its column totals are cases by outcome and its total is all cases.
// grievance-outcome counts a case once per grievance it names, so its figures are
// grievance mentions and are labelled so, never summed into cases.

// Resolved, % of cases, of one table (a member's or the regional one) of
// channel-outcome: resolved cases over all cases, from counts. The regional rate
// is the regional resolved count over the regional total (summed counts, never an
// average of members' rates). A part that is not exact (suppressed, a lower bound,
// noised) leaves a gap.
const RESOLVED = ["resolved-compensated", "resolved-non-monetary"];
function resolvedRate(t, x) {
  if (!t) return { x, y: null, status: "not-released" };
  const parts = [...RESOLVED.map(c => t.column_totals[colIndex(t, c)]), t.total];
  const bad = parts.findIndex(f => !f || f.status !== "published");
  if (bad >= 0) return { x, y: null, status: parts[bad] ? parts[bad].status : "missing" };
  const total = t.total.value;
  if (total === 0) return { x, y: null, status: "no-cases" };
  return { x, y: Math.round(1000 * (parts[0].value + parts[1].value) / total) / 10, status: "published" };
}

async function overview() {
  const [co, go, res] = await Promise.all([
    get("/api/stats?table=channel-outcome"),
    get("/api/stats?table=grievance-outcome"),
    get("/api/stats?table=resolution"),
  ]);
  if (co.periods.length === 0) {
    main.replaceChildren(el("p", {}, t("ui-overview-none")));
    return;
  }
  const periods = co.periods.map(p => p.period);
  // By default the latest period with cases in the region: a period released
  // with no cases yet (a quarter just begun) would show an empty page.
  const withCases = co.periods.filter(p => p.regional && p.regional.total.value > 0);
  const candidates = withCases.length ? withCases : co.periods;
  const latest = candidates[candidates.length - 1].period;
  const params = new URLSearchParams(location.search);
  const chosen = periods.includes(params.get("period")) ? params.get("period") : latest;
  const select = el("select", { id: "period" }, periods.map(p => el("option", { value: p, selected: p === chosen }, p)));
  select.onchange = () => { params.set("period", select.value); location.search = params.toString(); };
  const period = co.periods.find(p => p.period === chosen);
  const members = period.members.map(m => m.member);
  const reg = period.regional;
  const cell = (table, f, member, row, col) =>
    figureCell(f, { table, member, period: period.period, row, col });

  // Cases by outcome and all cases, per country and for the region: each case once.
  const byOutcome = table([t("ui-col-outcome"), ...members, t("ui-region")],
    period.members[0].columns.map((col, j) => el("tr", {}, el("th", { class: "row", "data-code": col }, label("outcome", col)),
      period.members.map(m => cell("channel-outcome", m.column_totals[j], m.member, "total", col)),
      cell("channel-outcome", reg && reg.column_totals[j], "region", "total", col))),
    { id: "by-outcome" });
  byOutcome.querySelector("tbody").append(el("tr", { id: "all-cases" }, el("th", { class: "row" }, t("ui-all-cases")),
    period.members.map(m => cell("channel-outcome", m.total, m.member, "total", "total")),
    cell("channel-outcome", reg && reg.total, "region", "total", "total")));

  // Grievance mentions by grievance, per country and for the region.
  const mentions = go.periods.find(p => p.period === period.period);
  const byGrievance = mentions ? table([t("ui-col-grievance"), ...mentions.members.map(m => m.member), t("ui-region")],
    mentions.members[0].rows.map((row, i) => el("tr", {}, el("th", { class: "row", "data-code": row }, label("grievance", row)),
      mentions.members.map(m => cell("grievance-outcome", m.row_totals[i], m.member, row, "total")),
      cell("grievance-outcome", mentions.regional && mentions.regional.row_totals[i], "region", row, "total"))),
    { id: "by-grievance" }) : el("p", {}, t("ui-no-table", { table: label("table", "grievance-outcome"), period: period.period }));

  // Each country's full grievance × outcome table of mentions, suppressed cells marked.
  const detail = (mentions ? mentions.members : []).map(m => el("div", {},
    el("h3", {}, t("ui-member-revision", { member: m.member, revision: m.revision })),
    table([t("ui-col-grievance-outcome"), ...m.columns.map(c => label("outcome", c))],
      m.rows.map((row, i) => el("tr", {}, el("th", { class: "row", "data-code": row }, label("grievance", row)),
        m.cells[i].map((f, j) => cell("grievance-outcome", f, m.member, row, m.columns[j])))),
      { class: "detail", "data-member": m.member })));

  // Over time: the resolution rate from channel-outcome counts, each member's and
  // the region's; median days to close from `resolution`.
  const allMembers = [...new Set(co.periods.flatMap(p => p.members.map(m => m.member)))].sort();
  const rate = [
    ...allMembers.map(member => ({ name: member, points: co.periods.map(p =>
      resolvedRate(p.members.find(x => x.member === member), p.period)) })),
    { key: "region", name: t("ui-region"), points: co.periods.map(p => resolvedRate(p.regional, p.period)) },
  ];
  // Median days to close are published per channel (a median does not add up):
  // one channel at a time, by default the one with the most published medians.
  const channels = res.periods.length ? res.periods[0].members[0].rows : [];
  const medianOf = (m, channel) => {
    const i = m.rows.indexOf(channel), j = colIndex(m, "median-days");
    return i < 0 || j < 0 ? null : m.cells[i][j];
  };
  const published = channel => res.periods.flatMap(p => p.members)
    .filter(m => { const f = medianOf(m, channel); return f && f.status === "published"; }).length;
  const channel = params.get("channel") ||
    channels.reduce((best, c) => published(c) > published(best) ? c : best, channels[0]);
  const channelSelect = el("select", { id: "channel" }, channels.map(c => el("option", { value: c, selected: c === channel }, label("channel", c))));
  channelSelect.onchange = () => { params.set("channel", channelSelect.value); location.search = params.toString(); };
  const days = allMembers.map(member => ({ name: member, points: res.periods.map(p => {
    const m = p.members.find(x => x.member === member);
    if (!m) return { x: p.period, y: null, status: "not-released" };
    const f = medianOf(m, channel);
    return f && f.status === "published" ? { x: p.period, y: f.value, status: f.status }
      : { x: p.period, y: null, status: f ? f.status : "missing" };
  }) }));

  main.replaceChildren(
    el("h2", {}, t("ui-overview-title") + " ", select),
    el("p", {}, t("ui-overview-intro", { missing: period.missing.length ? period.missing.join(", ") : t("ui-none") })),
    el("div", { class: "grid" },
      el("div", {}, el("h3", {}, t("ui-cases-by-outcome", { period: period.period })), byOutcome,
        el("p", { class: "note" }, t("ui-cases-once", { table: label("table", "channel-outcome") }))),
      el("div", {}, el("h3", {}, t("ui-mentions-by-grievance", { period: period.period })), byGrievance,
        el("p", { class: "note", id: "mentions-note" }, t("ui-mentions-note")))),
    el("h2", {}, t("ui-over-time")),
    el("div", { class: "grid" },
      el("div", {}, lineChart("resolved", t("ui-resolved-chart"), periods, rate, "%"),
        el("p", { class: "note" }, t("ui-resolved-note"))),
      el("div", {}, lineChart("median-days", t("ui-median-chart", { channel: label("channel", channel) }),
        res.periods.map(p => p.period), days, ""),
        el("label", {}, t("ui-col-channel") + " ", channelSelect))),
    el("h2", {}, t("ui-mentions-each-country", { period: period.period })),
    el("p", { class: "note" }, t("ui-mentions-note")),
    el("div", { class: "grid" }, detail));
}

async function recommendations() {
  const recs = await get("/api/recommendations");
  const members = [...new Set(recs.map(r => r.member))].sort();
  const statuses = [...new Set(recs.map(r => r.status))].sort();
  const themes = [...new Set(recs.map(r => r.theme))].sort();
  const count = (f) => recs.filter(f).length;
  main.replaceChildren(
    el("h2", {}, t("ui-recs-title", { count: recs.length })),
    downloads("recommendations"),
    el("div", { class: "grid" },
      el("div", {}, el("h3", {}, t("ui-by-country-status")),
        table([t("ui-col-country"), ...statuses.map(s => label("recommendation-status", s)), t("ui-col-all")],
          members.map(m => el("tr", {}, el("th", { class: "row" }, m),
          statuses.map(s => el("td", { "data-member": m, "data-status": s }, count(r => r.member === m && r.status === s))),
          el("td", { "data-member": m, "data-status": "all" }, count(r => r.member === m)))), { id: "rec-status" })),
      el("div", {}, el("h3", {}, t("ui-by-country-theme")),
        table([t("ui-col-theme"), ...members], themes.map(th => el("tr", {}, el("th", { class: "row", "data-code": th }, label("theme", th)),
          members.map(m => el("td", { "data-member": m, "data-theme": th }, count(r => r.member === m && r.theme === th))))),
          { id: "rec-theme" }))),
    el("h3", {}, t("ui-all-recs")),
    table(["ui-col-id", "ui-col-country", "ui-col-theme", "ui-col-priority", "ui-col-status", "ui-col-title",
      "ui-col-submitted-by", "ui-col-validated-at"].map(h => t(h)), recs.map(r => el("tr", { "data-id": r.id, id: r.id },
      el("td", { class: "text" }, r.id), el("td", { class: "text" }, r.member), el("td", { class: "text" }, label("theme", r.theme)),
      el("td", { class: "text" }, label("priority", r.priority)),
      el("td", { class: "text", "data-status": r.status }, label("recommendation-status", r.status)),
      el("td", { class: "text" }, r.title, shownMark(r.shown)), el("td", { class: "text" }, r.submitted_by || r.member),
      el("td", { class: "text", "data-field": "validated-at" }, (r.validated_at || []).map(w =>
        el("a", { href: "/workshops#" + w }, w + " "))))), { id: "rec-list" }));
}

// Whether a member's text is shown in a translation (and whose) or in its
// original, the reference.
function shownMark(shown) {
  if (!shown) return null;
  return shown.translated
    ? el("small", { class: "translated", "data-shown": "translated", title: shown.translation || "" },
      " [" + t("ui-translated-by", { by: shown.by || "" }) + "]")
    : el("small", { class: "original", "data-shown": "original" }, " [" + t("ui-original") + "]");
}

// The work plan: every item on one line, and one item in full (?item=ID).
function stageCell(item) {
  const flag = item.overdue ? " · " + t("ui-overdue") : item.at_risk ? " · " + t("ui-at-risk") : "";
  return el("td", { class: "text " + (item.overdue ? "bad" : item.at_risk ? "warn" : ""),
    "data-field": "stage", "data-stage": item.stage }, label("item-stage", item.stage) + flag);
}

function endorsementsText(tally) {
  return tally.objected
    ? t("ui-endorsements-objecting", { endorsed: tally.endorsed, needed: tally.needed, objected: tally.objected })
    : t("ui-endorsements", { endorsed: tally.endorsed, needed: tally.needed });
}

function inForce(item) {
  const n = item.agreed_version || item.current_version;
  return item.versions[n - 1];
}

function positionsTable(tally, id) {
  return table([t("ui-col-member"), t("ui-col-position-on", { version: tally.version }), t("ui-col-event"), t("ui-col-note")],
    tally.positions.map(p => el("tr", { "data-member": p.member },
      el("th", { class: "row" }, p.member),
      el("td", { "data-position": p.position,
        class: p.position === "endorsed" ? "ok" : p.position === "objected" ? "bad" : "" },
        p.position === "endorsed" ? "✓ " + t("ui-endorsed") : p.position === "objected" ? "✗ " + t("ui-objected") : "… " + t("ui-pending")),
      el("td", { class: "text" }, p.id ? t("ui-event-version", { id: p.id, version: p.version }) : ""),
      el("td", { class: "text" }, p.text || p.earlier || ""))), { id: id, class: "matrix" });
}

// One indicator against its baseline and target: values as points joined by a
// line, withheld figures as ×, baseline and target as dashed lines.
function indicatorChart(ind) {
  const W = 560, H = 200, L = 48, R = 16, T = 24, B = 30;
  const day = d => Date.parse(d + "T00:00:00Z") / 86400000;
  const values = ind.values.filter(v => v.value !== null).map(v => Number(v.value));
  const ys = [Number(ind.baseline.value), Number(ind.target.value), ...values];
  const lo = Math.min(0, ...ys), hi = Math.max(...ys) * 1.1 || 1;
  const x0 = day(ind.baseline.date), x1 = Math.max(day(ind.target.date), ...ind.values.map(v => day(v.date)));
  const x = d => L + (W - L - R) * (x1 === x0 ? 0.5 : (day(d) - x0) / (x1 - x0));
  const y = v => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  for (const [k, v] of Object.entries({ class: "chart", width: W, height: H, role: "img",
    "data-chart": "indicator-" + ind.id, "aria-label": ind.name })) svg.setAttribute(k, v);
  const add = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  const unit = ind.unit === "percentage" ? "%" : ind.unit === "currency" ? " " + ind.currency : "";
  add("text", { x: L, y: 14 }, ind.name + " (" + label("unit", ind.unit) + ")");
  for (const [line, p, color] of [["baseline", ind.baseline, "#6b7280"], ["target", ind.target, "#2ca02c"]]) {
    add("line", { x1: L, x2: W - R, y1: y(Number(p.value)), y2: y(Number(p.value)), stroke: color,
      "stroke-dasharray": "4 3", "data-line": line });
    add("text", { x: 2, y: y(Number(p.value)) + 4, fill: color }, p.value + unit);
  }
  add("text", { x: L, y: H - 10 }, ind.baseline.date);
  add("text", { x: W - R - 70, y: H - 10 }, ind.target.date);
  let path = "";
  for (const v of ind.values) {
    if (v.value === null) {
      add("text", { x: x(v.date) - 3, y: H - B + 8, fill: "#6b7280", "data-date": v.date, "data-status": v.status }, "×")
        .append(Object.assign(document.createElementNS(ns, "title"), { textContent: v.date + ": " + statusText(v.status) }));
      continue;
    }
    path += (path ? "L" : "M") + x(v.date) + "," + y(Number(v.value));
    add("circle", { cx: x(v.date), cy: y(Number(v.value)), r: 3.5, fill: "#1f77b4", "data-date": v.date,
      "data-value": v.value, "data-status": v.status })
      .append(Object.assign(document.createElementNS(ns, "title"), { textContent: v.date + ": " + v.value + unit +
        " (" + statusText(v.status) + (v.standard_error ? ", ±" + v.standard_error.toFixed(1) : "") + ") — " + v.source }));
  }
  if (path) add("path", { d: path, fill: "none", stroke: "#1f77b4", "stroke-width": 2 });
  return svg;
}

// Every member's last word on each version, from the timeline (proposals count
// as endorsements): the history of positions, beside the counted ones above.
function versionMatrix(item) {
  const members = [...new Set(item.versions.flatMap(v => v.content.members))];
  const word = {};
  for (const e of item.timeline) {
    if (!["proposed", "endorsed", "objected"].includes(e.action) || !e.version) continue;
    word[e.by + "/" + e.version] = e.action === "objected" ? "✗" : "✓";
  }
  return table([t("ui-col-member"), ...item.versions.map(v => "v" + v.version + " (" + changeText(v.change) + ")")],
    members.map(m => el("tr", { "data-member": m }, el("th", { class: "row" }, m),
      item.versions.map(v => el("td", { "data-version": v.version, "data-word": word[m + "/" + v.version] || "",
        class: word[m + "/" + v.version] === "✓" ? "ok" : word[m + "/" + v.version] === "✗" ? "bad" : "" },
        word[m + "/" + v.version] || "")))), { id: "version-matrix", class: "matrix" });
}

// How a version changed the item: opened, material, editorial, material (contested).
function changeText(change) {
  const id = "ui-change-" + change.replace(/[^a-z]+/g, "-").replace(/-$/, "");
  return I18N.strings[id] === undefined ? change : t(id);
}

async function itemPage(id) {
  const [items, recs, pilots] = await Promise.all([
    get("/api/workplan?item=" + encodeURIComponent(id)), get("/api/recommendations"), get("/api/pilots")]);
  const item = items[0];
  const v = inForce(item), c = v.content;
  const drawsOn = new Set(c.draws_on);
  const testing = [...pilots.pilots.filter(p => p.tests.some(t => drawsOn.has(t.id)))
    .map(p => ({ id: p.id, text: t("ui-pilot-span", { title: p.title, start: p.start, end: p.end }) })),
    ...pilots.reports.filter(p => p.tests.some(t => drawsOn.has(t)))
    .map(p => ({ id: p.id, text: p.pilot + ", " + p.period }))];
  const title = id => { const r = recs.find(r => r.id === id); return r ? r.title : "(" + t("ui-not-received") + ")"; };
  // replaceChildren would write a null as the text "null": absent parts are dropped.
  main.replaceChildren(...[
    el("p", {}, el("a", { href: "/workplan" }, "← " + t("ui-back-to-plan"))),
    el("h2", { id: "item-title", "data-id": item.id }, item.id + ": " + c.title, shownMark(v.shown)),
    el("p", {}, t("ui-stage") + " ", el("strong", { "data-field": "stage", "data-stage": item.stage }, label("item-stage", item.stage)),
      "; " + t("ui-version-of", { version: v.version, current: item.current_version }) + ", " +
      (item.agreed_version ? t("ui-agreed-at", { version: item.agreed_version }) : t("ui-not-agreed")) + ". " +
      t("ui-opened-by", { by: item.opened_by }) + (item.proposer ? ", " + t("ui-proposed-by", { by: item.proposer }) : "") +
      "; " + t("ui-item-lead", { lead: c.lead, members: c.members.join(", "), due: c.due })),
    item.flags.length ? el("ul", { id: "flags" }, item.flags.map(f => el("li", { class: item.overdue ? "bad" : "warn" }, f))) : null,
    el("h3", {}, t("ui-objective")), el("p", { id: "objective" }, c.objective),
    c.outputs.length ? el("div", {}, el("h3", {}, t("ui-outputs")), el("ul", {}, c.outputs.map(o => el("li", {}, o)))) : null,
    c.activities.length ? el("div", {}, el("h3", {}, t("ui-activities")),
      table([t("ui-col-activity"), t("ui-col-responsible"), t("ui-col-from"), t("ui-col-to")],
      c.activities.map(a => el("tr", {}, ["what", "responsible", "start", "end"].map(k => el("td", { class: "text" }, a[k])))),
      { id: "activities" })) : null,
    el("h3", {}, t("ui-draws-on")), el("ul", { id: "draws-on" }, c.draws_on.map(r => el("li", { "data-id": r },
      el("a", { href: "/recommendations#" + r }, r), " " + title(r)))),
    el("h3", {}, t("ui-pilots-testing")),
    testing.length ? el("ul", { id: "item-pilots" }, testing.map(p => el("li", { "data-id": p.id },
      el("a", { href: "/pilots#" + p.id }, p.id), " " + p.text))) : el("p", {}, t("ui-none-reported")),
    el("h3", {}, t("ui-positions")),
    el("p", {}, t("ui-version-tally", { version: item.tally.version, tally: endorsementsText(item.tally) })),
    positionsTable(item.tally, "positions"),
    item.agreed_tally ? el("div", {}, el("p", {}, t("ui-agreed-tally", { version: item.agreed_tally.version,
      tally: endorsementsText(item.agreed_tally) })), positionsTable(item.agreed_tally, "agreed-positions")) : null,
    item.advisory && item.advisory.length ? el("div", {}, el("h3", {}, t("ui-advisory")),
      el("p", { class: "note" }, t("ui-advisory-note")),
      table([t("ui-col-partner"), t("ui-col-position"), t("ui-col-version"), t("ui-col-event"), t("ui-col-note")], item.advisory.map(a =>
        el("tr", { "data-advisory": a.by }, el("td", { class: "text" }, a.by),
          el("td", { class: a.position === "endorsed" ? "ok" : "bad" }, a.position === "endorsed" ? "✓ " + t("ui-endorses") : "✗ " + t("ui-objects")),
          el("td", {}, a.version), el("td", { class: "text" }, a.id), el("td", { class: "text" }, a.text))),
        { id: "advisory" })) : null,
    el("h3", {}, t("ui-version-matrix")), versionMatrix(item),
    el("p", { class: "note" }, t("ui-version-matrix-note")),
    item.awaited.length ? el("div", {}, el("h3", {}, t("ui-awaited")), el("ul", { id: "awaited" }, item.awaited.map(a =>
      el("li", { class: a.overdue ? "bad" : "", "data-from": a.from }, a.from + ": " + a.what +
        (a.by ? ", " + t("ui-by-date", { date: a.by }) : "") + (a.overdue ? " (" + t("ui-late") + ")" : ""))))) : null,
    item.objections.length ? el("div", {}, el("h3", {}, t("ui-objections")), el("ul", { id: "objections" },
      item.objections.map(o => el("li", { "data-id": o.id }, t("ui-objection", { member: o.member, version: o.version, id: o.id }) + " " + o.reason,
        o.answers.length ? el("ul", {}, o.answers.map(a => el("li", { "data-answer": a.id }, t("ui-answered", { by: a.by, id: a.id }) + " " + a.text)))
          : el("ul", {}, el("li", { class: "warn" }, t("ui-not-answered"))))))) : null,
    c.milestones.length ? el("div", {}, el("h3", {}, t("ui-milestones")),
      table([t("ui-col-milestone"), t("ui-col-due"), t("ui-col-reached")],
      item.milestones.map(m => el("tr", { "data-milestone": m.id }, el("td", { class: "text" }, m.title),
        el("td", { class: "text" }, m.due),
        el("td", { class: "text " + (m.overdue ? "bad" : ""), "data-reached": m.reached ? m.reached[1] : "" },
          m.reached ? m.reached[1] + " (" + m.reached[0] + ")" : m.overdue ? t("ui-overdue") : t("ui-open")))), { id: "milestones" })) : null,
    item.indicators.length ? el("div", { id: "indicators" }, el("h3", {}, t("ui-indicators")),
      item.indicators.map(ind => el("div", { "data-indicator": ind.id }, indicatorChart(ind),
        el("p", { class: "note" }, indicatorNote(ind))))) : null,
    el("h3", {}, t("ui-timeline")),
    table(["ui-col-date", "ui-col-event", "ui-col-by", "ui-col-what", "ui-col-version", "ui-col-text"].map(h => t(h)),
      item.timeline.map(e => el("tr", { "data-id": e.id, "data-action": e.action },
      el("td", { class: "text" }, new Date(e.time_ms).toISOString().slice(0, 10)), el("td", { class: "text" }, e.id),
      el("td", { class: "text" }, e.by), el("td", { class: "text" }, e.action),
      el("td", {}, e.version || ""), el("td", { class: "text" }, e.text))), { id: "timeline" }),
    el("h3", {}, t("ui-versions")),
    table(["ui-col-version", "ui-col-event", "ui-col-by", "ui-col-change", "ui-col-note", "ui-col-title"].map(h => t(h)),
      item.versions.map(x => el("tr", { "data-version": x.version },
      el("td", {}, x.version), el("td", { class: "text" }, x.id), el("td", { class: "text" }, x.by),
      el("td", { class: "text" }, changeText(x.change)), el("td", { class: "text" }, x.note), el("td", { class: "text" }, x.content.title))),
      { id: "versions" }),
    item.problems.length ? el("ul", {}, item.problems.map(p => el("li", { class: "bad" }, p))) : null,
  ].filter(x => x !== null));
}

// An indicator's baseline, target, where its values come from and how far it got.
function indicatorNote(ind) {
  const series = ind.source.series;
  const source = series ? t("ui-indicator-series", {
    members: series.members.length ? series.members.join(", ") : t("ui-every-member"),
    table: label("table", series.table), row: series.row, column: series.column })
    : t("ui-indicator-reported");
  return t("ui-indicator-note", { baseline: ind.baseline.value, baseline_date: ind.baseline.date,
    target: ind.target.value, target_date: ind.target.date, source }) +
    (ind.progress_percent !== undefined ? "; " + t("ui-of-the-way", { percent: ind.progress_percent }) : "") +
    (ind.caveat ? "; " + ind.caveat : "") + ".";
}

async function workplan() {
  const id = new URLSearchParams(location.search).get("item");
  if (id) return itemPage(id);
  const items = await get("/api/workplan");
  main.replaceChildren(el("h2", {}, t("ui-plan-title", { count: items.length })),
    downloads("workplan"),
    items.length === 0 ? el("p", {}, t("ui-plan-none")) :
      table(["ui-col-item", "ui-col-title", "ui-col-stage", "ui-col-version", "ui-col-endorsements", "ui-col-lead",
        "ui-col-due", "ui-col-awaited"].map(h => t(h)),
        items.map(item => el("tr", { "data-id": item.id },
          el("td", { class: "text" }, el("a", { href: "/workplan?item=" + item.id }, item.id)),
          el("td", { class: "text" }, inForce(item).content.title), stageCell(item),
          el("td", {}, item.agreed_version && item.agreed_version !== item.current_version
            ? item.agreed_version + " (+" + item.current_version + ")" : String(item.current_version)),
          el("td", { class: "text", "data-field": "endorsements" }, endorsementsText(item.tally)),
          el("td", { class: "text" }, inForce(item).content.lead), el("td", { class: "text" }, inForce(item).content.due),
          el("td", { class: "text" }, item.awaited.map(a => a.from + ": " + a.what).join("; ")))), { id: "items" }));
}

// Pilot records: each with its indicators against baseline and target, and
// its progress reports; older whole-number reports below.
async function pilotsPage() {
  const [data, items] = await Promise.all([get("/api/pilots"), get("/api/workplan")]);
  const pilots = data.pilots, reports = data.reports;
  const drawing = tests => items.filter(i => inForce(i).content.draws_on.some(r => tests.includes(r)))
    .map(i => el("a", { href: "/workplan?item=" + i.id }, i.id + " "));
  const names = [...new Set(reports.flatMap(p => Object.keys(p.indicators)))].sort();
  main.replaceChildren(...[
    el("h2", {}, t("ui-pilots-title", { count: pilots.length })),
    downloads("pilots"),
    pilots.length === 0 ? el("p", {}, t("ui-pilots-none")) : null,
    ...pilots.map(p => el("section", { class: "pilot", id: p.id, "data-id": p.id },
      el("h3", {}, p.id + ": " + p.title, shownMark(p.shown)),
      el("p", {}, t("ui-pilot-run", { country: p.country, start: p.start, end: p.end,
        by: p.partners.length ? p.partners.join(", ") : p.member }) + "; " + t("ui-pilot-tests") + " ",
        p.tests.map(r => el("a", { href: "/recommendations#" + r.id, title: r.title || t("ui-not-received") }, r.id + " ")),
        "; " + t("ui-pilot-items") + " ", drawing(p.tests.map(r => r.id))),
      p.description ? el("p", {}, p.description) : null,
      table(["ui-col-indicator", "ui-col-unit", "ui-col-baseline", "ui-col-target", "ui-col-latest", "ui-col-progress"].map(h => t(h)),
        p.indicators.map(i =>
        el("tr", { "data-indicator": i.id }, el("td", { class: "text" }, i.name),
          el("td", { class: "text" }, label("unit", i.unit) + (i.currency ? " " + i.currency : "")),
          el("td", {}, i.baseline.value + " (" + i.baseline.date + ")"), el("td", {}, i.target.value + " (" + i.target.date + ")"),
          el("td", { "data-field": "latest" }, i.latest ? i.latest.value + " (" + i.latest.date + ")" : t("ui-none-yet")),
          el("td", { "data-field": "progress" }, i.progress_percent !== undefined ? i.progress_percent + "%" : ""))),
        { class: "indicators" }),
      el("div", { class: "grid" }, p.indicators.filter(i => i.values.length).map(i => indicatorChart(i))),
      p.reports.length ? table(["ui-col-report", "ui-col-date", "ui-col-by", "ui-col-values", "ui-col-lessons",
        "ui-col-problems"].map(h => t(h)), p.reports.map(r =>
        el("tr", { "data-report": r.id, class: r.refused ? "bad" : "" }, el("td", { class: "text" }, r.id),
          el("td", { class: "text" }, r.date), el("td", { class: "text", "data-field": "by" }, r.by),
          el("td", { class: "text" }, r.values.map(v => v.indicator + " = " + v.value + " " + v.unit).join("; ") +
            (r.refused ? " (" + t("ui-not-counted", { reason: r.refused }) + ")" : "")),
          el("td", { class: "text" }, r.lessons, shownMark(r.shown)), el("td", { class: "text" }, r.problems))), { class: "reports" })
        : el("p", {}, t("ui-no-progress")),
      p.problems && p.problems.length ? el("ul", {}, p.problems.map(x => el("li", { class: "bad" }, x))) : null)),
    reports.length ? el("h3", {}, t("ui-older-reports")) : null,
    reports.length ? table([...["ui-col-report", "ui-col-country", "ui-col-pilot", "ui-col-period", "ui-col-tests",
      "ui-col-items-drawing"].map(h => t(h)), ...names],
      reports.map(p => el("tr", { "data-id": p.id, id: p.id },
        el("td", { class: "text" }, p.id), el("td", { class: "text" }, p.member), el("td", { class: "text" }, p.pilot),
        el("td", { class: "text" }, p.period),
        el("td", { class: "text" }, p.tests.map(r => el("a", { href: "/recommendations#" + r }, r + " "))),
        el("td", { class: "text" }, drawing(p.tests)),
        names.map(n => el("td", { "data-indicator": n }, p.indicators[n] === undefined ? "" : p.indicators[n])))),
      { id: "pilots" }) : null,
  ].filter(x => x !== null));
}

async function partnersPage() {
  const partners = await get("/api/partners");
  main.replaceChildren(el("h2", {}, t("ui-partners-title", { count: partners.length })),
    el("p", { class: "note" }, t("ui-partners-note")),
    downloads("partners"),
    partners.length === 0 ? el("p", {}, t("ui-partners-none")) :
      table(["ui-col-member", "ui-col-partner", "ui-col-name", "ui-col-group", "ui-col-country", "ui-col-registered-at",
        "ui-col-retired-at"].map(h => t(h)),
        partners.map(({ member, partner: p }) => el("tr", { "data-partner": member + "/" + p.id, class: p.retired ? "muted" : "" },
          el("td", { class: "text" }, member), el("td", { class: "text" }, p.id), el("td", { class: "text" }, p.name),
          el("td", { class: "text", "data-group": p.group }, label("group", p.group)), el("td", { class: "text" }, p.country),
          el("td", { class: "text" }, member + "-" + p.registered),
          el("td", { class: "text", "data-field": "retired" }, p.retired ? member + "-" + p.retired : ""))),
        { id: "partners" }));
}

// Participation by group or sex: each count a figure (suppressed under the
// threshold), in code-list order.
function breakdownText(list, shown) {
  return Object.entries(shown).map(([k, f]) => label(list, k) + " " + figureText(f)).join(", ");
}

async function workshopsPage() {
  const data = await get("/api/workshops");
  const count = data.members.reduce((n, c) => n + c.workshops.length, 0);
  main.replaceChildren(el("h2", {}, t("ui-workshops-title", { count })),
    el("p", { class: "note", id: "threshold" }, t("ui-workshops-note", { threshold: data.threshold })),
    downloads("workshops"),
    count === 0 ? el("p", {}, t("ui-workshops-none")) : null,
    ...data.members.map(c => el("section", { "data-member": c.member },
      el("h3", {}, t("ui-workshops-member", { member: c.member, workshops: c.workshops.length,
        participants: figureText(c.participants.total), validated: c.recommendations_validated })),
      table(["ui-col-workshop", "ui-col-date", "ui-col-place", "ui-col-organiser", "ui-col-languages", "ui-col-participants",
        "ui-col-by-sex", "ui-col-by-group", "ui-col-validated"].map(h => t(h)),
        c.workshops.map(w => el("tr", { "data-id": w.id, id: w.id },
          el("td", { class: "text" }, w.id + ": " + w.title, shownMark(w.shown)), el("td", { class: "text" }, w.date),
          el("td", { class: "text" }, w.place),
          el("td", { class: "text" }, w.organiser), el("td", { class: "text" }, w.languages.join(", ")),
          figureCell(w.participants.total, { field: "total" }),
          el("td", { class: "text", "data-field": "by-sex" }, breakdownText("sex", w.participants.by_sex)),
          el("td", { class: "text", "data-field": "by-group" }, breakdownText("group", w.participants.by_group)),
          el("td", { class: "text" }, w.validated.map(v => el("a", { href: "/recommendations#" + v.id,
            title: v.title || t("ui-not-received") }, v.id + " ")))))),
      c.workshops.map(w => el("details", {}, el("summary", {}, w.id + ": " + t("ui-agenda-summary")),
        w.agenda.length ? el("ol", {}, w.agenda.map(a => el("li", {}, a))) : null, el("p", {}, w.summary))))));
}

async function network() {
  const n = await get("/api/network");
  let audit = null;
  try { audit = n.audit ? JSON.parse(n.audit) : null; } catch (e) { audit = null; }
  main.replaceChildren(
    el("h2", {}, t("ui-network-title", { node: n.node, version: n.manifest_version })),
    el("p", { id: "audit" }, t("ui-last-audit") + " ", audit
      ? el("span", { class: audit.passed ? "ok" : "bad", "data-passed": String(audit.passed) },
          audit.verdict + " — " + t("ui-audit-by", { auditor: audit.auditor, time: new Date(audit.time * 1000).toISOString() }))
      : t("ui-no-audit")),
    el("div", { class: "grid" },
      el("div", {}, el("h3", {}, t("ui-members")), table(["ui-col-id", "ui-col-name", "ui-col-role", "ui-col-endpoint"].map(h => t(h)),
        n.members.map(m => el("tr", { "data-member": m.id }, ["id", "name", "role", "endpoint"].map(k => el("td", { class: "text" }, m[k])))),
        { id: "members" })),
      el("div", {}, el("h3", {}, t("ui-logs-held")), table(["ui-col-origin", "ui-col-events", "ui-col-best-known", "ui-col-lag",
        "ui-col-halted"].map(h => t(h)),
        n.origins.map(o => el("tr", { "data-origin": o.origin }, el("td", { class: "text" }, o.origin),
          el("td", { "data-field": "height" }, o.height), el("td", {}, o.best_known),
          el("td", { "data-field": "lag" }, o.lag), el("td", {}, o.halted ? t("ui-yes") : t("ui-no")))), { id: "origins" })),
      el("div", {}, el("h3", {}, t("ui-peers")), table(["ui-col-peer", "ui-col-state", "ui-col-endpoint", "ui-col-last-error"].map(h => t(h)),
        n.peers.map(p => el("tr", { "data-peer": p.member }, el("td", { class: "text" }, p.member),
          el("td", { class: p.state === "connected" ? "ok" : "bad" }, p.state), el("td", { class: "text" }, p.endpoint),
          el("td", { class: "text" }, p.last_error))), { id: "peers" }))),
    el("h3", {}, t("ui-forks")),
    el("p", { id: "forks", "data-count": String(n.forks.length + n.equivocations.length) },
      n.forks.length + n.equivocations.length === 0 ? t("ui-none") :
        [...n.forks.map(f => t("ui-fork", { origin: f.origin, seq: f.seq, peer: f.peer })),
         ...n.equivocations.map(e => t("ui-equivocation") + " " + e.slice(0, 200))].join("; ")),
    el("h3", {}, t("ui-rejected")),
    n.rejected.length === 0 ? el("p", {}, t("ui-none")) : table(["ui-col-reason", "ui-col-count", "ui-col-last"].map(h => t(h)),
      n.rejected.map(r => el("tr", {}, el("td", { class: "text" }, r.reason), el("td", {}, r.count), el("td", { class: "text" }, r.last)))));
}

// What awaits the signed-in party: a node member's own, a coordinator's or
// auditor's region (what is awaited from whom), from the log.
// "Since you last looked" is a cursor the reader moves: each origin's height
// seen, kept in this browser (a cookie per node and member, a year) and sent
// as ?seen=KH:12,ID:40. /inbox?mark=seen moves it to now.
async function inboxPage() {
  // One cursor per node and member: cookies ignore the port, and nodes may
  // share a host.
  const name = "remedy_seen_" + (ME ? ME.node + "_" + ME.member : "");
  const keep = value => {
    document.cookie = name + "=" + encodeURIComponent(value) + "; path=/; max-age=31536000; samesite=strict" +
      (location.protocol === "https:" ? "; secure" : "");
  };
  let cursor = null;
  try {
    const stored = document.cookie.split("; ").find(c => c.startsWith(name + "="));
    cursor = stored ? decodeURIComponent(stored.slice(name.length + 1)) : null;
  } catch (e) { cursor = null; }
  const ask = c => get("/api/inbox" + (c !== null ? "?seen=" + encodeURIComponent(c) : ""));
  let data;
  try { data = await ask(cursor); } catch (e) {
    // A damaged cursor: forget it, as on a first look.
    if (cursor === null) throw e;
    document.cookie = name + "=; path=/; max-age=0";
    cursor = null; data = await ask(null);
  }
  const heights = Object.entries(data.heights).map(([o, h]) => o + ":" + h).join(",");
  if (new URLSearchParams(location.search).get("mark") === "seen" && heights) {
    keep(heights);
    history.replaceState(null, "", location.pathname);
    data = await ask(heights);
  }
  const party = data.party === "region" ? t("ui-region") : data.party;
  const markSeen = el("a", { id: "mark-seen", href: "/inbox?mark=seen" }, t("ui-inbox-mark-seen"));
  main.replaceChildren(...[
    el("h2", { id: "inbox", "data-party": data.party }, t("ui-inbox-title", { party, count: data.entries.length })),
    el("h3", {}, t("ui-inbox-new")),
    data.first_look ? el("p", { class: "note", id: "first-look" }, t("ui-inbox-first-look")) : null,
    data.new.length === 0 ? el("p", { id: "nothing-new" }, t("ui-inbox-nothing-new")) :
      table(["ui-col-from", "ui-col-what"].map(h => t(h)),
        data.new.map(e => el("tr", { "data-from": e.from }, el("td", { class: "text" }, e.from),
          el("td", { class: "text" }, e.what))), { id: "inbox-new" }),
    el("p", {}, markSeen),
    el("h3", {}, t("ui-inbox-awaited")),
    data.entries.length === 0 ? el("p", {}, t("ui-inbox-none")) :
      table(["ui-col-kind", "ui-col-item", "ui-col-from", "ui-col-what", "ui-col-due"].map(h => t(h)),
        data.entries.map(e => el("tr", { "data-kind": e.kind, "data-item": e.item || "", class: e.overdue ? "bad" : "" },
          el("td", { class: "text" }, e.kind),
          el("td", { class: "text" }, e.item ? el("a", { href: "/workplan?item=" + e.item }, e.item) : ""),
          el("td", { class: "text" }, e.from), el("td", { class: "text" }, e.what),
          el("td", { class: "text" }, (e.by || "") + (e.overdue ? " (" + t("ui-late") + ")" : "")))),
        { id: "inbox-entries" }),
  ].filter(x => x !== null));
}

// The operator's own side: this node's releases and what one of them held
// back and why, recomputed from the private log (never replicated; the node
// answers 403 to anyone but its own member).
async function mynodePage() {
  const params = new URLSearchParams(location.search);
  const ask = new URLSearchParams();
  for (const k of ["period", "preview"]) if (params.get(k)) ask.set(k, params.get(k));
  const [data, network] = await Promise.all([get("/api/mynode?" + ask), get("/api/network").catch(() => null)]);
  const a = data.attested;
  main.replaceChildren(...[
    el("h2", { id: "mynode", "data-node": data.node }, t("ui-mynode-title", { node: data.node })),
    el("p", { class: "note" }, t("ui-mynode-note")),
    table([t("ui-col-period"), t("ui-col-version")], data.releases.map(r => el("tr", { "data-period": r.period },
      el("td", { class: "text" }, el("a", { href: "/mynode?period=" + encodeURIComponent(r.period) }, r.period)),
      el("td", {}, r.revision))), { id: "own-releases" }),
    a && a.error ? el("p", { class: "bad", id: "attest-error" }, a.period + ": " + a.error) : null,
    a && !a.error ? el("h3", {}, t("ui-mynode-held", { period: a.period, revision: a.revision, cases: a.cases })) : null,
    a && !a.error ? (a.held_back.length ? el("ul", { id: "held-back", "data-period": a.period },
      a.held_back.map(h => el("li", {}, h))) : el("p", {}, t("ui-mynode-none"))) : null,
    a && a.differences && a.differences.length ? el("ul", { class: "bad" }, a.differences.map(d => el("li", {}, d))) : null,
    ...dryRunPart(data.dry_run, data.next),
    el("h3", {}, t("ui-mynode-imports")),
    data.imports.error ? el("p", { class: "bad" }, data.imports.error) : data.imports.length === 0
      ? el("p", {}, t("ui-mynode-no-imports")) :
      table(["ui-col-time", "ui-col-received", "ui-col-new", "ui-col-updated", "ui-col-unchanged", "ui-col-private-seq"].map(h => t(h)),
        data.imports.map(i => el("tr", { "data-seq": String(i.seq) },
          el("td", { class: "text" }, new Date(i.time_ms).toISOString().slice(0, 19).replace("T", " ") + " UTC"),
          el("td", {}, i.received), el("td", {}, i.new_cases), el("td", {}, i.updated), el("td", {}, i.unchanged),
          el("td", {}, i.seq))), { id: "imports" }),
    el("h3", {}, t("ui-mynode-replication")),
    replicationPart(network),
  ].filter(x => x !== null));
}

// The next release as `remedy publish --dry-run` computes it: each table's
// total and how many of its figures would be withheld, and what would be held
// back and why.
function dryRunPart(d, next) {
  if (!d) return next ? [el("h3", {}, t("ui-mynode-dry-run", { period: next })),
    el("p", {}, el("a", { id: "dry-run-link", href: "/mynode?preview=" + encodeURIComponent(next) },
      t("ui-mynode-dry-run-compute", { period: next })))] : [];
  if (d.error) return [el("h3", {}, t("ui-mynode-dry-run", { period: d.period })),
    el("p", { class: "bad", id: "dry-run-error" }, d.error)];
  return [el("h3", {}, t("ui-mynode-dry-run", { period: d.period })),
    el("p", { class: "note" }, t("ui-mynode-dry-run-note", { revision: d.revision, threshold: d.threshold, seq: d.private_seq })),
    table(["ui-col-table", "ui-col-total", "ui-col-figures", "ui-col-withheld"].map(h => t(h)),
      d.tables.map(x => el("tr", { "data-table": x.name }, el("td", { class: "text" }, label("table", x.name)),
        el("td", {}, x.total === null ? t("ui-figure-suppressed") : x.total), el("td", {}, x.figures),
        el("td", { "data-field": "withheld" }, x.withheld))), { id: "dry-run", "data-period": d.period }),
    d.held_back.length ? el("ul", { id: "dry-run-held-back" }, d.held_back.map(h => el("li", {}, h)))
      : el("p", {}, t("ui-mynode-none"))];
}

// Each peer's connection and each origin's lag, from the node's status.
function replicationPart(n) {
  if (!n) return el("p", {}, t("ui-none"));
  const lagging = n.origins.filter(o => o.lag > 0 || o.halted).length;
  return el("div", { id: "replication", "data-lagging": String(lagging) },
    el("p", {}, t("ui-mynode-replication-summary", { peers: n.peers.length,
      connected: n.peers.filter(p => p.state === "connected").length, lagging }), " ",
      el("a", { href: "/network" }, t("ui-nav-network"))),
    table(["ui-col-peer", "ui-col-state", "ui-col-last-error"].map(h => t(h)),
      n.peers.map(p => el("tr", { "data-peer": p.member }, el("td", { class: "text" }, p.member),
        el("td", { class: p.state === "connected" ? "ok" : "bad" }, p.state),
        el("td", { class: "text" }, p.last_error)))));
}

const pages = { "/": overview, "/recommendations": recommendations, "/workplan": workplan, "/pilots": pilotsPage,
  "/partners": partnersPage, "/workshops": workshopsPage, "/network": network, "/inbox": inboxPage,
  "/mynode": mynodePage };
if (BASE) { delete pages["/network"]; delete pages["/inbox"]; delete pages["/mynode"]; }

// A table as CSV (RFC 4180, CRLF; a cell a spreadsheet would run as a formula
// is written as text), its cells as shown.
function tableCsv(tbl) {
  const field = text => {
    let v = text.replace(/\s+/g, " ").trim();
    if (/^[=+\-@\t\r]/.test(v) && !/^-?\d/.test(v)) v = "'" + v;
    return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  };
  return [...tbl.rows].map(r => [...r.cells].map(c => field(c.textContent)).join(",")).join("\r\n") + "\r\n";
}

// Under each table a CSV download, under each chart an SVG download, built
// in the browser from what the page shows (nothing is fetched).
function addDownloads() {
  const page = (location.pathname.slice(1) || "overview").replace(/\W+/g, "-");
  const link = (name, type, text, label) => {
    const a = el("a", { download: name, class: "download" }, label);
    a.href = URL.createObjectURL(new Blob([text], { type }));
    return a;
  };
  main.querySelectorAll("table").forEach((tbl, i) => {
    const name = page + "-" + (tbl.id || "table-" + (i + 1)) + ".csv";
    tbl.after(el("p", { class: "downloads" }, link(name, "text/csv", tableCsv(tbl), t("ui-download-csv"))));
  });
  main.querySelectorAll("svg.chart").forEach((svg, i) => {
    const copy = svg.cloneNode(true);
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    const name = page + "-" + (svg.dataset.chart || "chart-" + (i + 1)) + ".svg";
    const text = '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
    const after = svg.closest("figure") || svg;
    after.after(el("p", { class: "downloads" }, link(name, "image/svg+xml", text, t("ui-download-svg"))));
  });
}

// A page's JSON to download, and the command that gives it as CSV.
function downloads(what) {
  return el("p", {}, el("a", { href: "/api/" + what, download: what + ".json" }, t("ui-download-json")),
    " · " + t("ui-as-csv") + " ", el("code", {}, "remedy view " + what + " --format csv"));
}

// The page's frame in the reader's language: the title, navigation, footer, and
// the switch to another language (a link the node answers by setting a cookie).
function frame() {
  document.documentElement.lang = I18N.lang;
  document.title = t("ui-title");
  for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
  const here = location.pathname + location.search;
  const print = document.getElementById("print");
  print.textContent = t("ui-print");
  print.onclick = () => window.print();
  document.getElementById("languages").replaceChildren(t("ui-language") + ": ", ...I18N.languages.map(l =>
    el("a", { href: "/lang?set=" + l.code + "&next=" + encodeURIComponent(here), lang: l.code, "data-lang": l.code,
      class: l.code === I18N.lang ? "current" : "" }, l.name)));
  const footer = document.querySelector("footer");
  footer.replaceChildren(t("ui-footer") + " ",
    el("span", { class: "suppressed" }, t("ui-figure-suppressed")), " " + t("ui-footer-suppressed") + " ",
    el("span", { class: "lower-bound" }, "≥"), " " + t("ui-footer-lower-bound") + " ",
    el("span", { class: "noised" }, "~"), " " + t("ui-footer-noised"));
  const missing = I18N.fallback.length + I18N.labels_fallback.length;
  if (missing) footer.append(el("p", { id: "fallback", class: "warn",
    title: [...I18N.fallback, ...I18N.labels_fallback].join(", ") }, t("ui-fallback", { count: missing })));
}

(async () => {
  const path = location.pathname.slice(BASE.length) || "/";
  for (const a of document.querySelectorAll("nav a")) {
    if (a.getAttribute("href") === path) a.className = "current";
    if (BASE) a.setAttribute("href", BASE + a.getAttribute("href"));
  }
  if (BASE) {
    // Nothing about the node itself, and no session to end.
    document.querySelector('nav a[data-page="network"]').remove();
    document.querySelector('nav a[data-page="inbox"]').remove();
    document.querySelector('nav a[data-page="mynode"]').remove();
    document.querySelector("form.logout").remove();
    document.body.dataset.public = "1";
  }
  try {
    I18N = await get("/api/i18n");
    frame();
    // "This node" only for the node's own operator.
    if (!BASE) {
      ME = await get("/api/me");
      if (!ME.operator) document.querySelector('nav a[data-page="mynode"]').remove();
    }
    await (pages[path] || overview)();
    addDownloads();
  } catch (e) {
    main.replaceChildren(el("p", { class: "bad", id: "error" }, t("ui-error", { message: e.message })));
  }
  document.body.dataset.renderMs = String(Math.round(performance.now()));
  document.body.dataset.ready = "1";
})();

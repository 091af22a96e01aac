// remedy-net dashboard: draws tables and SVG charts from this node's /api answers
// (the JSON of the View and Federation services). No library, nothing fetched from
// anywhere but this node. When a page is drawn, <body> gets data-ready="1" and
// data-render-ms (time since navigation started).
"use strict";

const main = document.getElementById("main");

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

async function get(url) {
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
    case "suppressed": return "suppressed";
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
  if (f && f.status === "suppressed") td.title = "withheld by disclosure control";
  if (f && typeof f.standard_error === "number") {
    td.dataset.standardError = String(f.standard_error);
    td.title = "differentially private estimate: standard error " + f.standard_error +
      " (variance " + f.variance + "); about 95% of such estimates fall within ±" +
      Math.round(1.96 * f.standard_error) + " of the true count";
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
        add("text", { x: x(i) - 3, y: H - B + 10, fill: "#6b7280", "data-chart": id, "data-series": s.name,
          "data-x": p.x, "data-status": p.status }, "×").append(Object.assign(document.createElementNS(ns, "title"),
          { textContent: s.name + " " + p.x + ": " + p.status }));
        return;
      }
      path += (path === "" || path.endsWith(" ") ? "M" : "L") + x(i) + "," + y(p.y);
      const c = add("circle", { cx: x(i), cy: y(p.y), r: 3, fill: color, "data-chart": id, "data-series": s.name,
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
    el("figcaption", {}, "× marks a quarter whose figure is withheld, inexact or not available: a gap, not zero."));
}

function colIndex(t, name) { return t.columns.indexOf(name); }

// What the overview counts. Cases come from channel-outcome, which counts each
// case once: its column totals are cases by outcome and its total is all cases.
// grievance-outcome counts a case once per grievance it names, so its figures are
// grievance mentions and are labelled so, never summed into cases.
const MENTIONS_NOTE = "Grievance mentions: a case counts once per grievance it names, so these figures do not add up to cases.";

// Resolved, % of cases, of one table (a member's or the regional one) of
// channel-outcome: resolved cases over all cases, from counts. The regional rate
// is the regional resolved count over the regional total (summed counts, never an
// average of members' rates). A part that is not exact (suppressed, a lower bound,
// noised) leaves a gap.
const RESOLVED = ["resolved-compensated", "resolved-non-monetary"];
function resolvedRate(t, x) {
  if (!t) return { x, y: null, status: "not released" };
  const parts = [...RESOLVED.map(c => t.column_totals[colIndex(t, c)]), t.total];
  const bad = parts.findIndex(f => !f || f.status !== "published");
  if (bad >= 0) return { x, y: null, status: parts[bad] ? parts[bad].status : "missing" };
  const total = t.total.value;
  if (total === 0) return { x, y: null, status: "no cases" };
  return { x, y: Math.round(1000 * (parts[0].value + parts[1].value) / total) / 10, status: "published" };
}

async function overview() {
  const [co, go, res] = await Promise.all([
    get("/api/stats?table=channel-outcome"),
    get("/api/stats?table=grievance-outcome"),
    get("/api/stats?table=resolution"),
  ]);
  if (co.periods.length === 0) {
    main.replaceChildren(el("p", {}, "No statistics release has reached this node yet."));
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
  const byOutcome = table(["outcome", ...members, "region"],
    period.members[0].columns.map((col, j) => el("tr", {}, el("th", { class: "row" }, col),
      period.members.map(m => cell("channel-outcome", m.column_totals[j], m.member, "total", col)),
      cell("channel-outcome", reg && reg.column_totals[j], "region", "total", col))),
    { id: "by-outcome" });
  byOutcome.querySelector("tbody").append(el("tr", { id: "all-cases" }, el("th", { class: "row" }, "all cases"),
    period.members.map(m => cell("channel-outcome", m.total, m.member, "total", "total")),
    cell("channel-outcome", reg && reg.total, "region", "total", "total")));

  // Grievance mentions by grievance, per country and for the region.
  const mentions = go.periods.find(p => p.period === period.period);
  const byGrievance = mentions ? table(["grievance", ...mentions.members.map(m => m.member), "region"],
    mentions.members[0].rows.map((row, i) => el("tr", {}, el("th", { class: "row" }, row),
      mentions.members.map(m => cell("grievance-outcome", m.row_totals[i], m.member, row, "total")),
      cell("grievance-outcome", mentions.regional && mentions.regional.row_totals[i], "region", row, "total"))),
    { id: "by-grievance" }) : el("p", {}, "No grievance-outcome table for " + period.period + ".");

  // Each country's full grievance × outcome table of mentions, suppressed cells marked.
  const detail = (mentions ? mentions.members : []).map(m => el("div", {},
    el("h3", {}, m.member + " — revision " + m.revision),
    table(["grievance \\ outcome", ...m.columns],
      m.rows.map((row, i) => el("tr", {}, el("th", { class: "row" }, row),
        m.cells[i].map((f, j) => cell("grievance-outcome", f, m.member, row, m.columns[j])))),
      { class: "detail", "data-member": m.member })));

  // Over time: the resolution rate from channel-outcome counts, each member's and
  // the region's; median days to close from `resolution`.
  const allMembers = [...new Set(co.periods.flatMap(p => p.members.map(m => m.member)))].sort();
  const rate = [
    ...allMembers.map(member => ({ name: member, points: co.periods.map(p =>
      resolvedRate(p.members.find(x => x.member === member), p.period)) })),
    { name: "region", points: co.periods.map(p => resolvedRate(p.regional, p.period)) },
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
  const channelSelect = el("select", { id: "channel" }, channels.map(c => el("option", { value: c, selected: c === channel }, c)));
  channelSelect.onchange = () => { params.set("channel", channelSelect.value); location.search = params.toString(); };
  const days = allMembers.map(member => ({ name: member, points: res.periods.map(p => {
    const m = p.members.find(x => x.member === member);
    if (!m) return { x: p.period, y: null, status: "not released" };
    const f = medianOf(m, channel);
    return f && f.status === "published" ? { x: p.period, y: f.value, status: f.status }
      : { x: p.period, y: null, status: f ? f.status : "missing" };
  }) }));

  main.replaceChildren(
    el("h2", {}, "Regional overview ", select),
    el("p", {}, "Cases registered by the members' national systems, as released. Missing this period: " +
      (period.missing.length ? period.missing.join(", ") : "none") + "."),
    el("div", { class: "grid" },
      el("div", {}, el("h3", {}, "Cases by outcome, " + period.period), byOutcome,
        el("p", { class: "note" }, "Each case counted once (table channel-outcome).")),
      el("div", {}, el("h3", {}, "Grievance mentions by grievance, " + period.period), byGrievance,
        el("p", { class: "note", id: "mentions-note" }, MENTIONS_NOTE))),
    el("h2", {}, "Over time"),
    el("div", { class: "grid" },
      el("div", {}, lineChart("resolved", "Resolved (compensated or not), % of cases", periods, rate, "%"),
        el("p", { class: "note" }, "Resolved cases over all cases opened in the quarter (channel-outcome, each case " +
          "once); the region's rate from the summed counts, never an average of the members' rates.")),
      el("div", {}, lineChart("median-days", "Median days to close, channel " + channel, res.periods.map(p => p.period), days, ""),
        el("label", {}, "channel ", channelSelect))),
    el("h2", {}, "Grievance mentions by outcome, each country, " + period.period),
    el("p", { class: "note" }, MENTIONS_NOTE),
    el("div", { class: "grid" }, detail));
}

async function recommendations() {
  const recs = await get("/api/recommendations");
  const members = [...new Set(recs.map(r => r.member))].sort();
  const statuses = [...new Set(recs.map(r => r.status))].sort();
  const themes = [...new Set(recs.map(r => r.theme))].sort();
  const count = (f) => recs.filter(f).length;
  main.replaceChildren(
    el("h2", {}, "Recommendations from the national workshops (" + recs.length + ")"),
    el("div", { class: "grid" },
      el("div", {}, el("h3", {}, "By country and status"),
        table(["country", ...statuses, "all"], members.map(m => el("tr", {}, el("th", { class: "row" }, m),
          statuses.map(s => el("td", { "data-member": m, "data-status": s }, count(r => r.member === m && r.status === s))),
          el("td", { "data-member": m, "data-status": "all" }, count(r => r.member === m)))), { id: "rec-status" })),
      el("div", {}, el("h3", {}, "By country and theme"),
        table(["theme", ...members], themes.map(t => el("tr", {}, el("th", { class: "row" }, t),
          members.map(m => el("td", { "data-member": m, "data-theme": t }, count(r => r.member === m && r.theme === t))))),
          { id: "rec-theme" }))),
    el("h3", {}, "All recommendations"),
    table(["id", "country", "theme", "priority", "status", "title", "submitted by", "validated at"], recs.map(r => el("tr", { "data-id": r.id, id: r.id },
      el("td", { class: "text" }, r.id), el("td", { class: "text" }, r.member), el("td", { class: "text" }, r.theme),
      el("td", { class: "text" }, r.priority), el("td", { class: "text", "data-status": r.status }, r.status),
      el("td", { class: "text" }, r.title), el("td", { class: "text" }, r.submitted_by || r.member),
      el("td", { class: "text", "data-field": "validated-at" }, (r.validated_at || []).map(w =>
        el("a", { href: "/workshops#" + w }, w + " "))))), { id: "rec-list" }));
}

// The work plan: every item on one line, and one item in full (?item=ID).
function stageCell(item) {
  const flag = item.overdue ? " · overdue" : item.at_risk ? " · at risk" : "";
  return el("td", { class: "text " + (item.overdue ? "bad" : item.at_risk ? "warn" : ""),
    "data-field": "stage", "data-stage": item.stage }, item.stage + flag);
}

function endorsementsText(t) {
  return t.endorsed + " of " + t.needed + " needed" + (t.objected ? ", " + t.objected + " objecting" : "");
}

function inForce(item) {
  const n = item.agreed_version || item.current_version;
  return item.versions[n - 1];
}

function positionsTable(tally, id) {
  return table(["member", "position on version " + tally.version, "event", "note or reason"],
    tally.positions.map(p => el("tr", { "data-member": p.member },
      el("th", { class: "row" }, p.member),
      el("td", { "data-position": p.position,
        class: p.position === "endorsed" ? "ok" : p.position === "objected" ? "bad" : "" },
        p.position === "endorsed" ? "✓ endorsed" : p.position === "objected" ? "✗ objected" : "… pending"),
      el("td", { class: "text" }, p.id ? p.id + " (version " + p.version + ")" : ""),
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
  add("text", { x: L, y: 14 }, ind.name + " (" + ind.unit + ")");
  for (const [label, p, color] of [["baseline", ind.baseline, "#6b7280"], ["target", ind.target, "#2ca02c"]]) {
    add("line", { x1: L, x2: W - R, y1: y(Number(p.value)), y2: y(Number(p.value)), stroke: color,
      "stroke-dasharray": "4 3", "data-line": label });
    add("text", { x: 2, y: y(Number(p.value)) + 4, fill: color }, p.value + unit);
  }
  add("text", { x: L, y: H - 10 }, ind.baseline.date);
  add("text", { x: W - R - 70, y: H - 10 }, ind.target.date);
  let path = "";
  for (const v of ind.values) {
    if (v.value === null) {
      add("text", { x: x(v.date) - 3, y: H - B + 8, fill: "#6b7280", "data-date": v.date, "data-status": v.status }, "×")
        .append(Object.assign(document.createElementNS(ns, "title"), { textContent: v.date + ": " + v.status }));
      continue;
    }
    path += (path ? "L" : "M") + x(v.date) + "," + y(Number(v.value));
    add("circle", { cx: x(v.date), cy: y(Number(v.value)), r: 3.5, fill: "#1f77b4", "data-date": v.date,
      "data-value": v.value, "data-status": v.status })
      .append(Object.assign(document.createElementNS(ns, "title"), { textContent: v.date + ": " + v.value + unit +
        " (" + v.status + (v.standard_error ? ", ±" + v.standard_error.toFixed(1) : "") + ") — " + v.source }));
  }
  if (path) add("path", { d: path, fill: "none", stroke: "#1f77b4", "stroke-width": 2 });
  return svg;
}

// Every member's last word on each version, from the timeline (proposals count
// as endorsements): the history of positions, beside the counted ones above.
function versionMatrix(item) {
  const members = [...new Set(item.versions.flatMap(v => v.content.members))];
  const word = {};
  for (const t of item.timeline) {
    if (!["proposed", "endorsed", "objected"].includes(t.action) || !t.version) continue;
    word[t.by + "/" + t.version] = t.action === "objected" ? "✗" : "✓";
  }
  return table(["member", ...item.versions.map(v => "v" + v.version + " (" + v.change + ")")],
    members.map(m => el("tr", { "data-member": m }, el("th", { class: "row" }, m),
      item.versions.map(v => el("td", { "data-version": v.version, "data-word": word[m + "/" + v.version] || "",
        class: word[m + "/" + v.version] === "✓" ? "ok" : word[m + "/" + v.version] === "✗" ? "bad" : "" },
        word[m + "/" + v.version] || "")))), { id: "version-matrix", class: "matrix" });
}

async function itemPage(id) {
  const [items, recs, pilots] = await Promise.all([
    get("/api/workplan?item=" + encodeURIComponent(id)), get("/api/recommendations"), get("/api/pilots")]);
  const item = items[0];
  const v = inForce(item), c = v.content;
  const drawsOn = new Set(c.draws_on);
  const testing = [...pilots.pilots.filter(p => p.tests.some(t => drawsOn.has(t.id)))
    .map(p => ({ id: p.id, text: p.title + ", " + p.start + " to " + p.end })),
    ...pilots.reports.filter(p => p.tests.some(t => drawsOn.has(t)))
    .map(p => ({ id: p.id, text: p.pilot + ", " + p.period }))];
  const title = id => { const r = recs.find(r => r.id === id); return r ? r.title : "(not received by this node)"; };
  // replaceChildren would write a null as the text "null": absent parts are dropped.
  main.replaceChildren(...[
    el("p", {}, el("a", { href: "/workplan" }, "← the work plan")),
    el("h2", { id: "item-title", "data-id": item.id }, item.id + ": " + c.title),
    el("p", {}, "Stage ", el("strong", { "data-field": "stage", "data-stage": item.stage }, item.stage),
      "; version " + v.version + " of " + item.current_version +
      (item.agreed_version ? ", agreed at version " + item.agreed_version : ", not agreed") +
      ". Opened by " + item.opened_by + (item.proposer ? ", proposed by " + item.proposer : "") +
      "; lead " + c.lead + "; members " + c.members.join(", ") + "; due " + c.due + "."),
    item.flags.length ? el("ul", { id: "flags" }, item.flags.map(f => el("li", { class: item.overdue ? "bad" : "warn" }, f))) : null,
    el("h3", {}, "Objective"), el("p", { id: "objective" }, c.objective),
    c.outputs.length ? el("div", {}, el("h3", {}, "Expected outputs"), el("ul", {}, c.outputs.map(o => el("li", {}, o)))) : null,
    c.activities.length ? el("div", {}, el("h3", {}, "Activities"), table(["activity", "responsible", "from", "to"],
      c.activities.map(a => el("tr", {}, ["what", "responsible", "start", "end"].map(k => el("td", { class: "text" }, a[k])))),
      { id: "activities" })) : null,
    el("h3", {}, "Draws on"), el("ul", { id: "draws-on" }, c.draws_on.map(r => el("li", { "data-id": r },
      el("a", { href: "/recommendations#" + r }, r), " " + title(r)))),
    el("h3", {}, "Pilots testing these recommendations"),
    testing.length ? el("ul", { id: "item-pilots" }, testing.map(p => el("li", { "data-id": p.id },
      el("a", { href: "/pilots#" + p.id }, p.id), " " + p.text))) : el("p", {}, "none reported"),
    el("h3", {}, "Positions"),
    el("p", {}, "Version " + item.tally.version + ": " + endorsementsText(item.tally) + "."),
    positionsTable(item.tally, "positions"),
    item.agreed_tally ? el("div", {}, el("p", {}, "Agreed version " + item.agreed_tally.version + ": " +
      endorsementsText(item.agreed_tally) + "."), positionsTable(item.agreed_tally, "agreed-positions")) : null,
    item.advisory && item.advisory.length ? el("div", {}, el("h3", {}, "Advisory positions of partner organisations"),
      el("p", { class: "note" }, "Shown beside the members' positions; never counted toward agreement."),
      table(["partner", "position", "version", "event", "note or reason"], item.advisory.map(a =>
        el("tr", { "data-advisory": a.by }, el("td", { class: "text" }, a.by),
          el("td", { class: a.position === "endorsed" ? "ok" : "bad" }, a.position === "endorsed" ? "✓ endorses" : "✗ objects"),
          el("td", {}, a.version), el("td", { class: "text" }, a.id), el("td", { class: "text" }, a.text))),
        { id: "advisory" })) : null,
    el("h3", {}, "Endorsements and objections per version"), versionMatrix(item),
    el("p", { class: "note" }, "Each member's last word on each version; a material amendment resets what counts, an editorial one keeps it."),
    item.awaited.length ? el("div", {}, el("h3", {}, "Awaited"), el("ul", { id: "awaited" }, item.awaited.map(a =>
      el("li", { class: a.overdue ? "bad" : "", "data-from": a.from }, a.from + ": " + a.what + (a.by ? ", by " + a.by : "") +
        (a.overdue ? " (late)" : ""))))) : null,
    item.objections.length ? el("div", {}, el("h3", {}, "Objections and answers"), el("ul", { id: "objections" },
      item.objections.map(o => el("li", { "data-id": o.id }, o.member + " on version " + o.version + " (" + o.id + "): " + o.reason,
        o.answers.length ? el("ul", {}, o.answers.map(a => el("li", { "data-answer": a.id }, a.by + " answered (" + a.id + "): " + a.text)))
          : el("ul", {}, el("li", { class: "warn" }, "not answered yet")))))) : null,
    c.milestones.length ? el("div", {}, el("h3", {}, "Milestones"), table(["milestone", "due", "reached"],
      item.milestones.map(m => el("tr", { "data-milestone": m.id }, el("td", { class: "text" }, m.title),
        el("td", { class: "text" }, m.due),
        el("td", { class: "text " + (m.overdue ? "bad" : ""), "data-reached": m.reached ? m.reached[1] : "" },
          m.reached ? m.reached[1] + " (" + m.reached[0] + ")" : m.overdue ? "overdue" : "open"))), { id: "milestones" })) : null,
    item.indicators.length ? el("div", { id: "indicators" }, el("h3", {}, "Indicators"),
      item.indicators.map(ind => el("div", { "data-indicator": ind.id }, indicatorChart(ind),
        el("p", { class: "note" }, "Baseline " + ind.baseline.value + " (" + ind.baseline.date + "), target " +
          ind.target.value + " (" + ind.target.date + "); " + (ind.source.series ? "computed from the releases of " +
          (ind.source.series.members.length ? ind.source.series.members.join(", ") : "every member") + ", " +
          ind.source.series.table + " " + ind.source.series.row + " × " + ind.source.series.column : "reported values") +
          (ind.progress_percent !== undefined ? "; " + ind.progress_percent + "% of the way" : "") +
          (ind.caveat ? "; " + ind.caveat : "") + ".")))) : null,
    el("h3", {}, "Timeline"),
    table(["date", "event", "by", "what", "version", "text"], item.timeline.map(t => el("tr", { "data-id": t.id, "data-action": t.action },
      el("td", { class: "text" }, new Date(t.time_ms).toISOString().slice(0, 10)), el("td", { class: "text" }, t.id),
      el("td", { class: "text" }, t.by), el("td", { class: "text" }, t.action),
      el("td", {}, t.version || ""), el("td", { class: "text" }, t.text))), { id: "timeline" }),
    el("h3", {}, "Versions"),
    table(["version", "event", "by", "change", "note", "title"], item.versions.map(x => el("tr", { "data-version": x.version },
      el("td", {}, x.version), el("td", { class: "text" }, x.id), el("td", { class: "text" }, x.by),
      el("td", { class: "text" }, x.change), el("td", { class: "text" }, x.note), el("td", { class: "text" }, x.content.title))),
      { id: "versions" }),
    item.problems.length ? el("ul", {}, item.problems.map(p => el("li", { class: "bad" }, p))) : null,
  ].filter(x => x !== null));
}

async function workplan() {
  const id = new URLSearchParams(location.search).get("item");
  if (id) return itemPage(id);
  const items = await get("/api/workplan");
  const count = items.length === 1 ? "1 item" : items.length + " items";
  main.replaceChildren(el("h2", {}, "The joint work plan (" + count + ")"),
    items.length === 0 ? el("p", {}, "No work-plan item yet.") :
      table(["item", "title", "stage", "version", "endorsements", "lead", "due", "awaited"],
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
    el("h2", {}, "Pilot projects (" + pilots.length + ")"),
    el("p", {}, el("a", { href: "/api/pilots", download: "pilots.json" }, "Download as JSON"),
      " · as CSV: ", el("code", {}, "remedy view pilots --format csv")),
    pilots.length === 0 ? el("p", {}, "No pilot registered yet.") : null,
    ...pilots.map(p => el("section", { class: "pilot", id: p.id, "data-id": p.id },
      el("h3", {}, p.id + ": " + p.title),
      el("p", {}, p.country + ", " + p.start + " to " + p.end + "; run by " + (p.partners.length ? p.partners.join(", ") : p.member) +
        "; tests ", p.tests.map(t => el("a", { href: "/recommendations#" + t.id, title: t.title || "not received" }, t.id + " ")),
        "; work-plan items drawing on them: ", drawing(p.tests.map(t => t.id))),
      p.description ? el("p", {}, p.description) : null,
      table(["indicator", "unit", "baseline", "target", "latest", "of the way"], p.indicators.map(i =>
        el("tr", { "data-indicator": i.id }, el("td", { class: "text" }, i.name), el("td", { class: "text" }, i.unit + (i.currency ? " " + i.currency : "")),
          el("td", {}, i.baseline.value + " (" + i.baseline.date + ")"), el("td", {}, i.target.value + " (" + i.target.date + ")"),
          el("td", { "data-field": "latest" }, i.latest ? i.latest.value + " (" + i.latest.date + ")" : "none yet"),
          el("td", { "data-field": "progress" }, i.progress_percent !== undefined ? i.progress_percent + "%" : ""))),
        { class: "indicators" }),
      el("div", { class: "grid" }, p.indicators.filter(i => i.values.length).map(i => indicatorChart(i))),
      p.reports.length ? table(["report", "date", "by", "values", "lessons", "problems met"], p.reports.map(r =>
        el("tr", { "data-report": r.id, class: r.refused ? "bad" : "" }, el("td", { class: "text" }, r.id),
          el("td", { class: "text" }, r.date), el("td", { class: "text", "data-field": "by" }, r.by),
          el("td", { class: "text" }, r.values.map(v => v.indicator + " = " + v.value + " " + v.unit).join("; ") +
            (r.refused ? " (not counted: " + r.refused + ")" : "")),
          el("td", { class: "text" }, r.lessons), el("td", { class: "text" }, r.problems))), { class: "reports" })
        : el("p", {}, "No progress reported yet."),
      p.problems && p.problems.length ? el("ul", {}, p.problems.map(x => el("li", { class: "bad" }, x))) : null)),
    reports.length ? el("h3", {}, "Older pilot reports (whole numbers, no unit or target)") : null,
    reports.length ? table(["report", "country", "pilot", "period", "tests", "items drawing on them", ...names],
      reports.map(p => el("tr", { "data-id": p.id, id: p.id },
        el("td", { class: "text" }, p.id), el("td", { class: "text" }, p.member), el("td", { class: "text" }, p.pilot),
        el("td", { class: "text" }, p.period),
        el("td", { class: "text" }, p.tests.map(t => el("a", { href: "/recommendations#" + t }, t + " "))),
        el("td", { class: "text" }, drawing(p.tests)),
        names.map(n => el("td", { "data-indicator": n }, p.indicators[n] === undefined ? "" : p.indicators[n])))),
      { id: "pilots" }) : null,
  ].filter(x => x !== null));
}

async function partnersPage() {
  const partners = await get("/api/partners");
  main.replaceChildren(el("h2", {}, "Partner organisations (" + partners.length + ")"),
    el("p", { class: "note" }, "Registered by each member in its shared log. A partner signs its own statements; " +
      "its positions on work-plan items are advisory and never counted toward agreement."),
    el("p", {}, el("a", { href: "/api/partners", download: "partners.json" }, "Download as JSON"),
      " · as CSV: ", el("code", {}, "remedy view partners --format csv")),
    partners.length === 0 ? el("p", {}, "No partner registered yet.") :
      table(["member", "partner", "name", "stakeholder group", "country", "registered at", "retired at"],
        partners.map(({ member, partner: p }) => el("tr", { "data-partner": member + "/" + p.id, class: p.retired ? "muted" : "" },
          el("td", { class: "text" }, member), el("td", { class: "text" }, p.id), el("td", { class: "text" }, p.name),
          el("td", { class: "text" }, p.group), el("td", { class: "text" }, p.country),
          el("td", { class: "text" }, member + "-" + p.registered),
          el("td", { class: "text", "data-field": "retired" }, p.retired ? member + "-" + p.retired : ""))),
        { id: "partners" }));
}

// Participation by group or sex: each count a figure (suppressed under the
// threshold), in code-list order.
function breakdownText(shown) {
  return Object.entries(shown).map(([k, f]) => k + " " + figureText(f)).join(", ");
}

async function workshopsPage() {
  const data = await get("/api/workshops");
  const count = data.members.reduce((n, c) => n + c.workshops.length, 0);
  main.replaceChildren(el("h2", {}, "National consultation workshops (" + count + ")"),
    el("p", { class: "note", id: "threshold" }, "Participants are counts, never names. Counts below " + data.threshold +
      " (the federation's disclosure threshold) are suppressed, with a second count where the total would give one back; " +
      "a country's sum over suppressed counts is a lower bound (≥)."),
    el("p", {}, el("a", { href: "/api/workshops", download: "workshops.json" }, "Download as JSON"),
      " · as CSV: ", el("code", {}, "remedy view workshops --format csv")),
    count === 0 ? el("p", {}, "No workshop recorded yet.") : null,
    ...data.members.map(c => el("section", { "data-member": c.member },
      el("h3", {}, c.member + ": " + c.workshops.length + " workshop" + (c.workshops.length === 1 ? "" : "s") + ", " +
        figureText(c.participants.total) + " participants, " + c.recommendations_validated + " recommendations validated"),
      table(["workshop", "date", "place", "organiser", "languages", "participants", "by sex", "by stakeholder group", "validated"],
        c.workshops.map(w => el("tr", { "data-id": w.id, id: w.id },
          el("td", { class: "text" }, w.id + ": " + w.title), el("td", { class: "text" }, w.date), el("td", { class: "text" }, w.place),
          el("td", { class: "text" }, w.organiser), el("td", { class: "text" }, w.languages.join(", ")),
          figureCell(w.participants.total, { field: "total" }),
          el("td", { class: "text", "data-field": "by-sex" }, breakdownText(w.participants.by_sex)),
          el("td", { class: "text", "data-field": "by-group" }, breakdownText(w.participants.by_group)),
          el("td", { class: "text" }, w.validated.map(v => el("a", { href: "/recommendations#" + v.id,
            title: v.title || "not received by this node" }, v.id + " ")))))),
      c.workshops.map(w => el("details", {}, el("summary", {}, w.id + ": agenda and summary"),
        w.agenda.length ? el("ol", {}, w.agenda.map(a => el("li", {}, a))) : null, el("p", {}, w.summary))))));
}

async function network() {
  const n = await get("/api/network");
  let audit = null;
  try { audit = n.audit ? JSON.parse(n.audit) : null; } catch (e) { audit = null; }
  main.replaceChildren(
    el("h2", {}, "The network as " + n.node + " sees it (manifest version " + n.manifest_version + ")"),
    el("p", { id: "audit" }, "Last audit: ", audit
      ? el("span", { class: audit.passed ? "ok" : "bad", "data-passed": String(audit.passed) },
          audit.verdict + " — by " + audit.auditor + ", " + new Date(audit.time * 1000).toISOString())
      : "none recorded at this node"),
    el("div", { class: "grid" },
      el("div", {}, el("h3", {}, "Members"), table(["id", "name", "role", "endpoint"],
        n.members.map(m => el("tr", { "data-member": m.id }, ["id", "name", "role", "endpoint"].map(k => el("td", { class: "text" }, m[k])))),
        { id: "members" })),
      el("div", {}, el("h3", {}, "Logs held"), table(["origin", "events", "best known", "lag", "halted"],
        n.origins.map(o => el("tr", { "data-origin": o.origin }, el("td", { class: "text" }, o.origin),
          el("td", { "data-field": "height" }, o.height), el("td", {}, o.best_known),
          el("td", { "data-field": "lag" }, o.lag), el("td", {}, o.halted ? "yes" : "no"))), { id: "origins" })),
      el("div", {}, el("h3", {}, "Peers"), table(["peer", "state", "endpoint", "last error"],
        n.peers.map(p => el("tr", { "data-peer": p.member }, el("td", { class: "text" }, p.member),
          el("td", { class: p.state === "connected" ? "ok" : "bad" }, p.state), el("td", { class: "text" }, p.endpoint),
          el("td", { class: "text" }, p.last_error))), { id: "peers" }))),
    el("h3", {}, "Forks and equivocations"),
    el("p", { id: "forks", "data-count": String(n.forks.length + n.equivocations.length) },
      n.forks.length + n.equivocations.length === 0 ? "none" :
        [...n.forks.map(f => f.origin + " signed two events " + f.seq + " (from " + f.peer + ")"),
         ...n.equivocations.map(e => "equivocation: " + e.slice(0, 200))].join("; ")),
    el("h3", {}, "Rejected events"),
    n.rejected.length === 0 ? el("p", {}, "none") : table(["reason", "count", "last"],
      n.rejected.map(r => el("tr", {}, el("td", { class: "text" }, r.reason), el("td", {}, r.count), el("td", { class: "text" }, r.last)))));
}

const pages = { "/": overview, "/recommendations": recommendations, "/workplan": workplan, "/pilots": pilotsPage,
  "/partners": partnersPage, "/workshops": workshopsPage, "/network": network };

(async () => {
  const path = location.pathname;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.getAttribute("href") === path) a.className = "current";
  }
  try {
    await (pages[path] || overview)();
  } catch (e) {
    main.replaceChildren(el("p", { class: "bad", id: "error" }, "Could not load this page: " + e.message));
  }
  document.body.dataset.renderMs = String(Math.round(performance.now()));
  document.body.dataset.ready = "1";
})();

// The page of `textcnn serve`: prediction, exact n-gram contributions, top filters, and one filter sliding.
// Plain JavaScript and SVG, no libraries: the page works offline.
"use strict";

const COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"];
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
let classes = [];
let lastText = "";
let slideState = null;
let timer = null;

function colourOf(name) { return COLOURS[Math.max(classes.indexOf(name), 0) % COLOURS.length]; }

function rgba(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha.toFixed(2)})`;
}

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function svgEl(tag, attrs = {}, text = "") {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

// A token's push: the class its scores favour most, by how much more than the mean over classes.
function push(scores) {
  const values = Object.values(scores);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  let best = 0;
  values.forEach((v, i) => { if (v > values[best]) best = i; });
  return { towards: Object.keys(scores)[best], strength: values[best] - mean };
}

function showVerdict(e) {
  $("verdict").hidden = false;
  $("label").textContent = e.labels ? (e.labels.join(", ") || "(no label)") : e.label;
  $("label").style.color = colourOf(e.label || (e.labels || [])[0]);
  const box = $("probabilities");
  box.replaceChildren();
  for (const [name, p] of Object.entries(e.probabilities)) {
    const row = el("div", { class: "bar" });
    row.append(el("span", { class: "name" }, name));
    const track = el("div", { class: "track" });
    const fill = el("div", { class: "fill" });
    fill.style.width = `${(100 * p).toFixed(1)}%`;
    fill.style.background = colourOf(name);
    track.append(fill);
    row.append(track, el("span", { class: "note" }, p.toFixed(3)));
    box.append(row);
  }
}

function showWhy(e) {
  $("why").hidden = false;
  $("method").textContent = e.exact
    ? "Exact: each class's score is the bias plus the contributions of the n-grams below. Shading spreads each n-gram's contribution over its words."
    : `Approximate (${e.method}): how much each class's score drops when a word is deleted.`;
  const pushes = e.tokens.map((t) => push(t.scores));
  const strongest = Math.max(1e-9, ...pushes.map((p) => Math.abs(p.strength)));
  const box = $("highlighted");
  box.replaceChildren();
  let cursor = 0;
  e.tokens.forEach((token, i) => {
    box.append(document.createTextNode(e.text.slice(cursor, token.start)));
    const span = el("span", { class: "token", title: `${pushes[i].towards} ${pushes[i].strength >= 0 ? "+" : ""}${pushes[i].strength.toFixed(3)}` },
      e.text.slice(token.start, token.end));
    const alpha = 0.8 * Math.max(pushes[i].strength, 0) / strongest;
    if (alpha > 0.04) { span.style.background = rgba(colourOf(pushes[i].towards), alpha); span.classList.add("marked"); }
    box.append(span);
    cursor = token.end;
  });
  box.append(document.createTextNode(e.text.slice(cursor)));
  $("legend").replaceChildren(document.createTextNode("Pushes towards: "),
    ...classes.map((c) => { const chip = el("span", { class: "chip" }, c); chip.style.background = colourOf(c); return chip; }));
  const list = $("ngrams");
  list.replaceChildren();
  for (const g of e.ngrams.slice(0, 8)) {
    const item = el("li", { class: "ngram" });
    const chip = el("span", { class: "chip" }, `${g.towards} ${g.strength >= 0 ? "+" : ""}${g.strength.toFixed(2)}`);
    chip.style.background = colourOf(g.towards);
    const parts = [];
    if (g.filters && g.filters.length) parts.push(`${g.filters.length} filter${g.filters.length > 1 ? "s" : ""}`);
    if (g.wide) parts.push("the linear branch");
    item.append(chip, document.createTextNode(` “${g.text}”` + (parts.length ? ` (${parts.join(" + ")})` : "")));
    list.append(item);
  }
}

function showFilters(e) {
  const section = $("filters-section");
  if (!e.filters) { section.hidden = true; return; }
  section.hidden = false;
  const head = $("filters").querySelector("thead");
  head.replaceChildren();
  const row = el("tr");
  ["filter", "width", "n-gram it kept", "response", ...classes.map((c) => `weight ${c}`)].forEach((h) => row.append(el("th", {}, h)));
  head.append(row);
  const body = $("filters").querySelector("tbody");
  body.replaceChildren();
  e.filters.forEach((f, i) => {
    const tr = el("tr", { "data-filter": f.filter });
    [`#${f.filter}`, f.width, `“${f.ngram}”`, f.activation.toFixed(3), ...classes.map((c) => (f.weights[c] >= 0 ? "+" : "") + f.weights[c].toFixed(3))]
      .forEach((v) => tr.append(el("td", {}, String(v))));
    tr.addEventListener("click", () => loadSlide(f.filter, tr));
    if (i === 0) tr.classList.add("chosen");
    body.append(tr);
  });
}

function showWide(e) {
  const section = $("wide-section");
  if (!e.wide || !e.wide.length) { section.hidden = true; return; }
  section.hidden = false;
  const head = $("wide").querySelector("thead");
  const row = el("tr");
  ["n-gram", "n", "pushes towards", ...classes.map((c) => `term ${c}`)].forEach((h) => row.append(el("th", {}, h)));
  head.replaceChildren(row);
  const body = $("wide").querySelector("tbody");
  body.replaceChildren();
  for (const g of e.wide) {
    const tr = el("tr");
    const chip = el("span", { class: "chip" }, `${g.towards} ${g.strength >= 0 ? "+" : ""}${g.strength.toFixed(2)}`);
    chip.style.background = colourOf(g.towards);
    const cells = [`“${g.ngram}”`, g.n, chip, ...classes.map((c) => (g.contributions[c] >= 0 ? "+" : "") + g.contributions[c].toFixed(3))];
    cells.forEach((v) => { const td = el("td"); td.append(typeof v === "object" ? v : document.createTextNode(String(v))); tr.append(td); });
    body.append(tr);
  }
}

async function read() {
  const text = $("review").value;
  if (!text.trim()) { $("status").textContent = "Type a review first."; return; }
  $("status").textContent = "reading…";
  try {
    const data = await post("/explain", { texts: [text], top: 8 });
    const e = data.explanations[0];
    lastText = text;
    showVerdict(e);
    showWhy(e);
    showFilters(e);
    showWide(e);
    $("status").textContent = "";
    if (e.filters && e.filters.length) await loadSlide(e.filters[0].filter, null);
  } catch (error) {
    $("status").textContent = `error: ${error.message}`;
  }
}

async function loadSlide(filter, row) {
  stop();
  document.querySelectorAll("#filters tbody tr").forEach((tr) => tr.classList.toggle("chosen", tr === row || Number(tr.dataset.filter) === filter));
  try {
    slideState = await post("/slide", { text: lastText, filter: filter });
  } catch (error) {
    $("status").textContent = `error: ${error.message}`;
    return;
  }
  $("slide-section").hidden = false;
  const s = slideState;
  const pushes = Object.entries(s.class_weights).map(([c, w]) => `${c} ${w >= 0 ? "+" : ""}${w.toFixed(3)}`).join(", ");
  $("slide-caption").textContent = `Filter #${s.filter} reads ${s.width} words at a time. Its weights towards the classes: ${pushes}. ` +
    `Each step: the window's word vectors times the filter's weights, summed, plus a bias; below zero counts as zero (ReLU).`;
  $("position").max = s.steps.length - 1;
  setPosition(0);
}

function heat(value, scale) {
  const a = Math.min(Math.abs(value) / scale, 1);
  return value >= 0 ? rgba("#1f77b4", a) : rgba("#d62728", a);
}

function draw(p) {
  const s = slideState;
  const svg = $("slide");
  svg.replaceChildren();
  const n = s.tokens.length, dims = s.embeddings[0].length;
  const cell = Math.max(14, Math.min(48, Math.floor(980 / Math.max(n, 1))));
  const rowH = Math.max(1, Math.min(3, Math.floor(180 / dims)));
  const left = 10, top = 80, matrixH = rowH * dims;
  const mapTop = top + matrixH + 40, mapH = 90;
  const width = left * 2 + cell * n + 60, height = mapTop + mapH + 30;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("height", Math.min(height, 520));
  const scale = Math.max(1e-6, ...s.embeddings.flat().map(Math.abs)) * 0.6;
  s.tokens.forEach((t, i) => {
    const x = left + i * cell;
    // Word labels slant up and to the right from above their column, clear of the matrix below.
    svg.append(svgEl("text", { x: x + cell / 2, y: top - 10, "text-anchor": "start", transform: `rotate(-40 ${x + cell / 2} ${top - 10})`, "font-size": 12 }, t.text));
    // The word's vector, one thin cell per dimension: a column of the text's embedding matrix.
    s.embeddings[i].forEach((v, d) => svg.append(svgEl("rect", { x: x + 1, y: top + d * rowH, width: cell - 2, height: rowH, fill: heat(v, scale) })));
  });
  const first = p - Math.floor((s.width - 1) / 2);
  svg.append(svgEl("rect", { x: left + first * cell, y: top - 2, width: s.width * cell, height: matrixH + 4, fill: "none", stroke: "#111", "stroke-width": 2.5, rx: 3, class: "window" }));
  // The feature map so far: one bar per position already visited, the peak marked once all are seen.
  const responses = s.steps.map((step) => step.response);
  const maxResponse = Math.max(1e-6, ...responses);
  svg.append(svgEl("text", { x: left, y: mapTop - 10, "font-size": 12, fill: "#5b6475" }, "feature map (the filter's response at each position)"));
  for (let i = 0; i <= p; i++) {
    const h = mapH * responses[i] / maxResponse;
    const peak = p === n - 1 && i === s.peak;
    svg.append(svgEl("rect", { x: left + i * cell + 3, y: mapTop + mapH - h, width: cell - 6, height: Math.max(h, 1),
      fill: peak ? "#ff7f0e" : (i === p ? "#1d2330" : "#8892a6") }));
  }
  if (p === n - 1) {
    svg.append(svgEl("text", { x: left + s.peak * cell + cell / 2, y: mapTop + mapH + 18, "text-anchor": "middle", "font-size": 12, fill: "#ff7f0e" }, "max pooling keeps this"));
  }
  arithmetic(p);
}

function arithmetic(p) {
  const s = slideState;
  const step = s.steps[p];
  const lines = step.taps.map((tap, t) => {
    const word = tap.token === null ? "(past the end: zeros)" : `“${s.tokens[tap.token].text}”`;
    return `tap ${t + 1}: weights · vector of ${word.padEnd(24)} = ${tap.dot >= 0 ? " " : ""}${tap.dot.toFixed(4)}`;
  });
  lines.push(`                                   bias = ${s.bias >= 0 ? " " : ""}${s.bias.toFixed(4)}`);
  lines.push(`                                    sum = ${step.sum >= 0 ? " " : ""}${step.sum.toFixed(4)}   ReLU → ${step.response.toFixed(4)}`);
  if (p === s.steps.length - 1) {
    const peak = s.steps[s.peak];
    const words = peak.taps.filter((t) => t.token !== null).map((t) => s.tokens[t.token].text).join(" ");
    const votes = Object.entries(s.class_weights).map(([c, w]) => `${c}: ${peak.response.toFixed(3)} × ${w.toFixed(3)} = ${(peak.response * w).toFixed(3)}`).join("   ");
    lines.push("", `max pooling keeps ${peak.response.toFixed(4)} from “${words}” (position ${s.peak + 1});`, `its votes: ${votes}`);
  }
  $("arithmetic").textContent = lines.join("\n");
  $("position-label").textContent = `position ${p + 1} of ${s.steps.length}`;
}

function setPosition(p) {
  if (!slideState) return;
  p = Math.max(0, Math.min(p, slideState.steps.length - 1));
  $("position").value = p;
  draw(p);
}

function stop() { if (timer) { clearInterval(timer); timer = null; $("play").textContent = "▶ play"; } }

function play() {
  if (timer) { stop(); return; }
  if (Number($("position").value) >= slideState.steps.length - 1) setPosition(0);
  $("play").textContent = "❚❚ pause";
  timer = setInterval(() => {
    const p = Number($("position").value) + 1;
    if (p >= slideState.steps.length) { stop(); return; }
    setPosition(p);
  }, 450);
}

async function start() {
  try {
    const health = await (await fetch("/health")).json();
    classes = health.classes;
    $("run-info").textContent = `Run ${health.run}: a ${health.model} model over classes ${classes.join(", ")}; explanations are ${health.explanation}.`;
  } catch (error) {
    $("run-info").textContent = `cannot reach the server: ${error.message}`;
  }
  $("read").addEventListener("click", read);
  $("review").addEventListener("keydown", (event) => { if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) read(); });
  $("back").addEventListener("click", () => { stop(); setPosition(Number($("position").value) - 1); });
  $("forward").addEventListener("click", () => { stop(); setPosition(Number($("position").value) + 1); });
  $("play").addEventListener("click", play);
  $("position").addEventListener("input", () => { stop(); setPosition(Number($("position").value)); });
}

start();

// The editor's other views of a video, beside the transcript (editor.js, loaded first, whose
// functions and state this uses): its title, description and language; the captions as published,
// with their check and one-click fixes; the easy read's points; the waveform under the player; the
// machine's words of a line. Text goes into the page as text, never as HTML.
"use strict";

// --- Title, description and language (NAME.meta.json) ------------------------------------------

let metaTyped = false; // the fields hold typing not saved yet: a new view of the video keeps it

let metaOf = null; // the video the fields are for

function showMeta(video) {
  const meta = video.meta;
  if (metaOf !== video.name) metaTyped = false;
  metaOf = video.name;
  byId("meta-file").textContent = meta.file;
  if (!metaTyped) {
    byId("meta-title").value = meta.title;
    byId("meta-description").value = meta.description;
    byId("meta-language").value = meta.language;
  }
  byId("meta-status").textContent = meta.error ? `This file cannot be read (a build uses the file name until it is fixed): ${meta.error}` : "";
  if (meta.title) document.title = `${meta.title} (${video.name}) · transcript editor`;
}

async function saveMeta() {
  if (!current || saving) return;
  const status = byId("meta-status");
  status.textContent = "Saving… and rebuilding the video.";
  const keep = snapshot();
  const { ok, data } = await post(videoUrl("/meta"), { base: current.meta.sha256, title: byId("meta-title").value,
    description: byId("meta-description").value, language: byId("meta-language").value });
  if (!ok) { status.textContent = `Not saved: ${data.error}`; return; }
  metaTyped = false;
  renderVideo(data.video, keep);
  status.textContent = data.build_error ? `${data.message}` : data.message;
}

for (const id of ["meta-title", "meta-description", "meta-language"]) byId(id).addEventListener("input", () => { metaTyped = true; });
byId("meta-save").addEventListener("click", saveMeta);

// --- Which view: the transcript, the captions or the easy read ----------------------------------

const VIEWS = { transcript: "transcript-view", captions: "captions-view", "easy-read": "easy-read-view" };
let shownView = "transcript";

function showView(which) {
  shownView = which;
  for (const [name, id] of Object.entries(VIEWS)) {
    byId(id).hidden = name !== which;
    byId(`show-${name}`).setAttribute("aria-pressed", String(name === which));
  }
  if (which === "captions") loadCaptions();
  if (which === "easy-read") loadEasyRead();
}

for (const name of Object.keys(VIEWS)) byId(`show-${name}`).addEventListener("click", () => showView(name));

// --- The caption view: one row per cue, against the caption style -------------------------------

let captionStyle = null;

function rowAtTime(seconds) {
  // The line being spoken at this time: the last whose start is not after it.
  let found = rows[0] || null;
  for (const row of rows) if (rowStart(row) <= seconds + 0.1) found = row;
  return found;
}

function nextRowAfter(row) {
  return rows[rows.indexOf(row) + 1] || null;
}

async function loadCaptions() {
  if (!current) return;
  const { ok, data } = await fetchJSON(videoUrl("/captions"));
  const body = byId("cue-table").tBodies[0];
  body.replaceChildren();
  if (!ok) { byId("captions-status").textContent = data.error; return; }
  captionStyle = data.style;
  const failing = data.cues.filter((cue) => cue.error).length;
  byId("captions-status").textContent = `${plural(data.cues.length, "caption")}; `
    + (failing ? `${plural(failing, "caption")} fail${failing === 1 ? "s" : ""} the caption style.` : "all pass the caption style.");
  data.cues.forEach((cue, index) => body.append(cueRow(cue, index)));
}

function cueRow(cue, index) {
  const tr = element("tr", { id: `cue-${index}`, class: cue.error ? "cue-error" : (cue.findings.length ? "cue-warning" : "") });
  const play = element("button", { type: "button", class: "play", "aria-label": `Play caption from ${clock(cue.start)}` }, clock(cue.start));
  play.addEventListener("click", () => playFrom(cue.start));
  const start = element("td");
  start.append(play);
  const lines = element("td", { class: "cue-lines" });
  for (const line of cue.lines) lines.append(element("div", {}, line));
  const check = element("td", { class: "cue-check" });
  if (!cue.findings.length) check.append(element("span", {}, "Passes"));
  for (const finding of cue.findings) {
    check.append(element("p", { class: finding.error ? "error" : "warning" },
      `${finding.error ? "Fails" : "Warning"}: ${finding.words} (${finding.detail})`));
  }
  for (const fix of fixesFor(cue)) {
    const button = element("button", { type: "button", class: "secondary small" }, fix.label);
    button.addEventListener("click", () => applyFix(fix));
    check.append(button);
  }
  tr.append(start, element("td", {}, clock(cue.end)), element("td", {}, cue.duration.toFixed(2)),
    element("td", {}, cue.cps == null ? "" : cue.cps.toFixed(1)), lines, check);
  return tr;
}

function fixesFor(cue) {
  // One click each; each changes lines as the transcript view would, then saves.
  const fixes = [];
  const rules = new Set(cue.findings.filter((f) => f.error).map((f) => f.rule));
  const row = rowAtTime(cue.start);
  if (!row || !captionStyle) return fixes;
  const next = nextRowAfter(row);
  if ((rules.has("reading-speed") || rules.has("duration")) && next) {
    const needed = Math.max(cue.characters / captionStyle.max_cps, captionStyle.min_duration);
    const wanted = cue.start + needed + 0.1;
    const [, high] = boundsFor(next);
    // Marks are tenths of a second: rounded up, so that the time given is the time needed.
    const at = Math.min(Math.ceil(Math.max(rowStart(next), wanted) * 10) / 10, high);
    if (at > rowStart(next) + 0.05) {
      fixes.push({ label: `Give it more time: line ${lineLabel(next)} starts at ${clock(at)}`, kind: "mark", row: next, at });
    }
  }
  if (rules.has("duration") && next && !next.speaker.value.trim() && cue.duration < captionStyle.min_duration) {
    fixes.push({ label: `Merge line ${lineLabel(row)} with the next line`, kind: "merge", row });
  }
  if ((rules.has("line-length") || rules.has("lines") || (rules.has("duration") && cue.duration > captionStyle.max_duration))
      && row.text.value.trim().split(/\s+/).length > 1) {
    fixes.push({ label: `Split line ${lineLabel(row)} in the middle`, kind: "split", row });
  }
  return fixes;
}

function lineLabel(row) { return row.origin ? String(row.origin.number) : "(new)"; }

async function applyFix(fix) {
  if (fix.kind === "mark") {
    if (!setMark(fix.row, clock(fix.at))) return;
  } else if (fix.kind === "merge") {
    mergeRow(fix.row);
  } else if (fix.kind === "split") {
    const words = fix.row.text.value.trim();
    const middle = words.length / 2;
    let at = -1;
    for (const match of words.matchAll(/\s+/g)) if (at < 0 || Math.abs(match.index - middle) < Math.abs(at - middle)) at = match.index;
    fix.row.text.value = words;
    fix.row.text.setSelectionRange(at + 1, at + 1);
    splitRow(fix.row);
  }
  await save();
  if (shownView === "captions") await loadCaptions();
}

// --- The easy read: points, pictures, sentence lengths, reading ease ----------------------------

let easyRead = null; // the server's view of NAME.easy-read.md
let figuresTimer = null;

async function loadEasyRead() {
  if (!current) return;
  const { ok, data } = await fetchJSON(videoUrl("/easy-read"));
  byId("er-problem").textContent = ok ? "" : data.error;
  if (!ok) return;
  renderEasyRead(data);
}

function renderEasyRead(view) {
  easyRead = view;
  byId("er-file").textContent = view.file;
  byId("er-max").textContent = view.max_words;
  byId("er-problem").textContent = view.error ? `This file cannot be edited here until it is fixed: ${view.error}` : "";
  const list = byId("er-points");
  list.replaceChildren();
  view.points.forEach((point, index) => list.append(pointRow(point, index)));
  figuresSoon(0);
}

function iconFor(name) { return easyRead.icons.find((icon) => icon.name === name) || easyRead.icons[0]; }

function pointRow(point, index) {
  const li = element("li", { class: "er-point", id: `er-point-${index}` });
  const picture = element("img", { class: "er-picture", width: "64", height: "64" });
  const choose = element("select", { id: `er-icon-${index}`, class: "er-icon" });
  for (const icon of easyRead.icons) {
    const option = element("option", { value: icon.name }, `${icon.label} (${icon.name})`);
    choose.append(option);
  }
  choose.value = point.icon;
  const showPicture = () => {
    const icon = iconFor(choose.value);
    picture.src = icon.src;
    picture.alt = icon.label;
    caption.textContent = `Picture: ${icon.label}`;
  };
  const caption = element("span", { class: "er-alt" });
  const text = element("textarea", { id: `er-text-${index}`, class: "er-text", rows: "2" });
  text.value = point.text;
  const label = element("label", { for: `er-text-${index}` }, `Point ${index + 1}${point.heading ? ` (${point.heading})` : ""}`);
  const iconLabel = element("label", { for: `er-icon-${index}` }, `Picture for point ${index + 1}`);
  const figures = element("ul", { class: "er-sentences", id: `er-sentences-${index}` });
  choose.addEventListener("change", () => { showPicture(); erChanged(); });
  text.addEventListener("input", () => { erChanged(); figuresSoon(400); });
  showPicture();
  const side = element("div", { class: "er-side" });
  side.append(picture, caption);
  const fields = element("div", { class: "er-fields" });
  fields.append(label, text, iconLabel, choose, figures);
  li.append(side, fields);
  return li;
}

function easyReadPoints() {
  return easyRead.points.map((_, index) => ({ text: byId(`er-text-${index}`).value, icon: byId(`er-icon-${index}`).value }));
}

function erChanged() {
  const count = easyRead.points.filter((point, index) => squash(byId(`er-text-${index}`).value) !== squash(point.text)
    || byId(`er-icon-${index}`).value !== point.icon).length;
  byId("er-status").textContent = count ? `Not saved: ${plural(count, "point")} changed.` : "";
}

function figuresSoon(wait) {
  clearTimeout(figuresTimer);
  figuresTimer = setTimeout(showFigures, wait);
}

async function showFigures() {
  if (!easyRead || !easyRead.points.length) return;
  const { ok, data } = await post("/api/easy-read/figures", { texts: easyReadPoints().map((point) => point.text) });
  if (!ok) return;
  data.points.forEach((sentences, index) => {
    const list = byId(`er-sentences-${index}`);
    if (!list) return;
    list.replaceChildren();
    for (const sentence of sentences) {
      const long = sentence.words > data.max_words;
      list.append(element("li", { class: long ? "too-long" : "" },
        `${plural(sentence.words, "word")}${long ? ` (more than ${data.max_words}: shorten it)` : ""}: ${sentence.text}`));
    }
  });
  byId("er-figures").textContent = `Reading ease ${data.reading_ease.toFixed(1)} (target ${data.ease_target} or more`
    + `${data.reading_ease >= data.ease_target ? "" : ": not met"}); longest sentence ${plural(data.longest, "word")}`
    + ` (target ${data.max_words} or fewer${data.longest <= data.max_words ? "" : ": not met"}).`;
}

async function saveEasyRead() {
  if (!easyRead || easyRead.error) return;
  byId("er-status").textContent = "Saving… and rebuilding the easy read.";
  byId("er-problem").textContent = "";
  const { ok, status, data } = await post(videoUrl("/easy-read"), { base: easyRead.sha256, points: easyReadPoints() });
  if (!ok) {
    byId("er-status").textContent = "Not saved.";
    byId("er-problem").textContent = data.error; // the points stay as typed
    if (status === 409 && data.conflict) await easyReadConflict();
    return;
  }
  renderEasyRead(data.easy_read);
  byId("er-status").textContent = data.message;
}

// A save refused because the file changed on disk: the transcript's line-by-line merge, with each
// point as a line (its picture where a line has its time mark), so both sides are kept.
let erMerge = null; // {disk: the easy read as it is now, parts} while its merge view is shown

function copyMergeView(prefix, heading, after) {
  // The transcript's merge view, copied with its ids renamed (#merge-list -> #PREFIX-list).
  const view = byId("merge").cloneNode(true);
  for (const node of [view, ...view.querySelectorAll("[id]")]) node.id = node.id.replace(/^merge/, prefix);
  view.setAttribute("aria-labelledby", `${prefix}-heading`);
  view.hidden = true;
  view.querySelector(`#${prefix}-heading`).textContent = heading;
  after.after(view);
}

copyMergeView("er-merge", "Your points and the file as it is now", byId("er-problem"));
const pointLines = (points) => points.map((point, i) => ({ number: i + 1, mark: `[icon: ${point.icon}]`, speaker: "",
  text: point.text }));

async function easyReadConflict() {
  const { ok, data } = await fetchJSON(videoUrl("/easy-read"));
  if (!ok || data.error) return;
  const draft = { base_lines: pointLines(easyRead.points),
    rows: pointLines(easyReadPoints()).map((line) => ({ ...line, origin: line.number })) };
  erMerge = { disk: data, parts: mergeDraft({ lines: pointLines(data.points) }, draft) };
  showMergeChoices("er-merge", erMerge.parts, "", "points");
}

function mergedPoints() {
  // The file's points stay as many as it has (a save rewrites them in place): a point of mine
  // with no place of its own joins the point before it, so nothing typed is lost.
  const points = erMerge.disk.points.map((point) => ({ icon: point.icon, text: point.text }));
  let at = 0;
  for (const row of resolvedRows(erMerge.parts)) {
    const icon = row.mark.slice("[icon: ".length, -1);
    if (row.origin != null) { at = row.origin - 1; points[at] = { icon, text: row.text }; }
    else points[at].text = squash(`${points[at].text} ${row.text}`);
  }
  return points;
}

function applyEasyReadMerge() {
  if (!erMerge) return;
  const points = mergedPoints();
  const disk = erMerge.disk;
  hideEasyReadMerge();
  renderEasyRead(disk);
  points.forEach((point, index) => {
    byId(`er-text-${index}`).value = point.text;
    byId(`er-icon-${index}`).value = point.icon;
    byId(`er-icon-${index}`).dispatchEvent(new Event("change")); // its picture, and the count of changes
  });
  erChanged();
  byId("er-status").textContent = "Merged with the file as it is now: check the points, then save.";
  byId("er-save").focus();
}

function hideEasyReadMerge() {
  erMerge = null;
  byId("er-merge").hidden = true;
}

byId("er-merge-apply").addEventListener("click", applyEasyReadMerge);
byId("er-merge-cancel").addEventListener("click", () => { hideEasyReadMerge(); byId("er-save").focus(); });
byId("er-save").addEventListener("click", saveEasyRead);
byId("er-reload").addEventListener("click", loadEasyRead);

// --- The waveform under the player: peaks, one block per line, draggable starts, loop -----------

const wave = { peaks: [], perSecond: 50, duration: 0, drag: null, name: null };
const canvas = byId("waveform");

async function loadWaveform(video) {
  if (wave.name !== video.name) {
    wave.name = video.name;
    wave.peaks = [];
    const { ok, data } = await fetchJSON(`/api/videos/${encodeURIComponent(video.name)}/waveform`);
    if (ok) Object.assign(wave, { peaks: data.peaks, perSecond: data.per_second, duration: data.duration });
  }
  drawWaveform();
}

function waveSeconds() { return wave.duration || player.duration || 1; }
const xOf = (seconds) => (seconds / waveSeconds()) * canvas.width;
const secondsOf = (x) => Math.max(0, Math.min(waveSeconds(), (x / canvas.width) * waveSeconds()));

function lineBlocks() {
  // Each line from its start to the next line's start (the last to the end of the audio).
  return rows.map((row, i) => ({ row, start: rowStart(row), end: i + 1 < rows.length ? rowStart(rows[i + 1]) : waveSeconds() }));
}

function drawWaveform() {
  if (!canvas.clientWidth) return; // not on screen yet: drawn when it is
  const width = Math.round(canvas.clientWidth);
  if (canvas.width !== width) canvas.width = width;
  const g = canvas.getContext("2d");
  const h = canvas.height;
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, canvas.width, h);
  lineBlocks().forEach((block, i) => {
    g.fillStyle = i % 2 ? "#dbe7f5" : "#eef4fb";
    if (block.row === activeRow) g.fillStyle = "#ffe97a";
    g.fillRect(xOf(block.start), 0, Math.max(1, xOf(block.end) - xOf(block.start)), h);
    g.fillStyle = "#005eb8";
    g.fillRect(xOf(block.start) - 1, 0, 3, h);
  });
  g.fillStyle = "#0b0c0c";
  const perPixel = wave.peaks.length / canvas.width;
  for (let x = 0; x < canvas.width && wave.peaks.length; x += 1) {
    let top = 0;
    for (let i = Math.floor(x * perPixel); i < Math.floor((x + 1) * perPixel) || i === Math.floor(x * perPixel); i += 1) {
      top = Math.max(top, wave.peaks[i] || 0);
    }
    const half = (top * (h - 8)) / 2;
    g.fillRect(x, h / 2 - half, 1, Math.max(1, half * 2));
  }
  g.fillStyle = "#b10e1e";
  g.fillRect(xOf(player.currentTime || 0), 0, 2, h);
  if (wave.key && document.activeElement === canvas) { // the edge the keys move, and where it would go
    g.fillStyle = "#0b0c0c";
    g.fillRect(xOf(rowStart(wave.key.row)) - 2, 0, 5, h);
    g.fillStyle = "#ffdd00";
    g.fillRect(xOf(wave.key.at) - 2, 0, 5, h);
  }
}

function wordStarts() {
  return timedWords.map((word) => word.start).sort((a, b) => a - b);
}

function snapToWord(seconds) {
  let best = null;
  for (const start of wordStarts()) if (best === null || Math.abs(start - seconds) < Math.abs(best - seconds)) best = start;
  return best === null ? seconds : best;
}

function canvasX(event) {
  const box = canvas.getBoundingClientRect();
  return ((event.clientX - box.left) / box.width) * canvas.width;
}

canvas.addEventListener("pointerdown", (event) => {
  if (!current) return;
  const x = canvasX(event);
  const edge = lineBlocks().find((block, i) => i > 0 && Math.abs(xOf(block.start) - x) <= 6);
  if (edge) {
    wave.drag = { row: edge.row, at: edge.start };
    canvas.setPointerCapture(event.pointerId);
  } else {
    playFrom(secondsOf(x));
  }
});

canvas.addEventListener("pointermove", (event) => {
  if (wave.drag) {
    wave.drag.at = secondsOf(canvasX(event));
    drawWaveform();
    const g = canvas.getContext("2d");
    g.fillStyle = "#b10e1e";
    g.fillRect(xOf(wave.drag.at) - 1, 0, 3, canvas.height);
    return;
  }
  const near = lineBlocks().some((block, i) => i > 0 && Math.abs(xOf(block.start) - canvasX(event)) <= 6);
  canvas.style.cursor = near ? "ew-resize" : "pointer";
});

canvas.addEventListener("pointerup", async () => {
  const drag = wave.drag;
  wave.drag = null;
  if (drag) await moveEdge(drag.row, snapToWord(drag.at));
});

async function moveEdge(row, seconds) {
  // A line's start edge moved (dragged, or by keys): its time mark, within its neighbours', saved.
  const [low, high] = boundsFor(row);
  const at = Math.min(high, Math.max(low, seconds));
  byId("waveform-status").textContent = `Line ${lineLabel(row)} starts at ${clock(at)} (at a word).`;
  if (setMark(row, clock(at))) await save();
  drawWaveform();
}

// The same edges by keyboard: Up and Down choose a line's start edge, Left and Right move it to
// the previous or next word boundary, Enter sets it (and saves), Escape puts it back.
function keyEdge(row) {
  wave.key = row ? { row, at: rowStart(row) } : null;
  describeEdge();
  drawWaveform();
}

function describeEdge() {
  const key = wave.key;
  if (!key) { canvas.removeAttribute("aria-valuetext"); return; }
  const moved = clock(key.at) !== clock(rowStart(key.row));
  const text = `Start of line ${lineLabel(key.row)}: ${clock(rowStart(key.row))}`
    + (moved ? `, to move to ${clock(key.at)} (Enter sets it, Escape cancels)` : "");
  canvas.setAttribute("aria-valuenow", String(Math.round(key.at * 10) / 10));
  canvas.setAttribute("aria-valuetext", text);
  byId("waveform-status").textContent = text;
}

function boundaryFrom(seconds, direction) {
  // The previous or next word boundary (a word's start or end) at another tenth of a second,
  // since a time mark is written to the tenth.
  const tenth = (value) => Math.round(value * 10);
  const edges = [...new Set(timedWords.flatMap((word) => [word.start, word.end]))].sort((a, b) => a - b)
    .filter((edge) => (direction > 0 ? tenth(edge) > tenth(seconds) : tenth(edge) < tenth(seconds)));
  if (!edges.length) return seconds;
  return direction > 0 ? edges[0] : edges[edges.length - 1];
}

canvas.addEventListener("focus", () => {
  const index = activeRow ? rows.indexOf(activeRow) : -1;
  if (!wave.key || !rows.includes(wave.key.row)) keyEdge(rows[Math.max(1, index)] || null);
  canvas.setAttribute("aria-valuemax", String(Math.round(waveSeconds() * 10) / 10));
});

canvas.addEventListener("keydown", async (event) => {
  if (!current || !wave.key || event.altKey || event.ctrlKey || event.metaKey) return;
  const index = rows.indexOf(wave.key.row);
  const steps = { ArrowUp: -1, ArrowDown: 1 };
  if (event.key in steps) {
    keyEdge(rows[Math.min(rows.length - 1, Math.max(1, index + steps[event.key]))]);
  } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
    wave.key.at = boundaryFrom(wave.key.at, event.key === "ArrowRight" ? 1 : -1);
    describeEdge();
    drawWaveform();
  } else if (event.key === "Enter") {
    event.preventDefault();
    const { row, at } = wave.key;
    const number = row.origin ? row.origin.number : null;
    await moveEdge(row, at);
    keyEdge(number !== null ? rowForLine(number) : null); // the save redrew the lines: the same line's edge
    return;
  } else if (event.key === "Escape") {
    keyEdge(wave.key.row);
  } else {
    return;
  }
  event.preventDefault(); // the arrows move the edge, not the page
});

function loopCurrentLine() {
  const box = byId("loop-line");
  const row = activeRow && rows.includes(activeRow) ? activeRow : null;
  if (box.checked && row) { wave.loop = row; playFrom(rowStart(row)); }
  else wave.loop = null;
  byId("waveform-status").textContent = wave.loop ? `Looping line ${lineLabel(wave.loop)}.` : "";
}

byId("loop-line").addEventListener("change", loopCurrentLine);
player.addEventListener("timeupdate", () => {
  if (wave.loop && rows.includes(wave.loop)) {
    const index = rows.indexOf(wave.loop);
    const end = index + 1 < rows.length ? rowStart(rows[index + 1]) : waveSeconds();
    if (player.currentTime >= end || player.currentTime < rowStart(wave.loop) - 0.5) player.currentTime = rowStart(wave.loop);
  }
  drawWaveform();
});
player.addEventListener("ended", () => { if (wave.loop && rows.includes(wave.loop)) playFrom(rowStart(wave.loop)); });
window.addEventListener("resize", () => { if (current) drawWaveform(); });
document.addEventListener("focusin", () => { if (current) drawWaveform(); });
document.addEventListener("keydown", (event) => {
  if (current && event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.code === "KeyL") {
    event.preventDefault();
    byId("loop-line").checked = !byId("loop-line").checked;
    loopCurrentLine();
  }
});

// --- The machine's words of a line (the first draft, .NAME.edit.orig.txt) ------------------------

function machineLineFor(row) {
  const drafts = current.machine_lines || [];
  if (!row.origin || !drafts.length) return null;
  const byMark = row.origin.mark && drafts.find((line) => line.mark === row.origin.mark);
  if (byMark) return byMark;
  const position = current.lines.indexOf(row.origin);
  if (current.lines.length === drafts.length && position >= 0) return drafts[position];
  const start = rowStart(row); // else the draft line being spoken when this one starts
  let found = null;
  for (const line of drafts) if (line.start != null && line.start <= start + 0.1) found = line;
  return found;
}

async function revertToMachine(row) {
  const draft = machineLineFor(row);
  if (!draft) { say("The machine's first draft of this line is not known."); return; }
  if (squash(row.text.value) === squash(draft.text)) { say("This line already says what the machine heard."); return; }
  row.text.value = draft.text;
  changed(row);
  await save();
}

byId("tool-machine").addEventListener("click", withRow(revertToMachine));

// --- Each time the page shows a video -------------------------------------------------------------

videoShown.push((video) => {
  showMeta(video);
  requestAnimationFrame(() => loadWaveform(video)); // once the video's view is on screen
  if (shownView === "captions") loadCaptions();
  if (shownView === "easy-read") loadEasyRead();
});

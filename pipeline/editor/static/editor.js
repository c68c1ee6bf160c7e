// The transcript editor page. Every piece of transcript text goes into the page as text
// (textContent, input values), never as HTML.
"use strict";

const token = document.querySelector('meta[name="edit-token"]').content;
const byId = (id) => document.getElementById(id);
const player = byId("player");
const BACK_SECONDS = 5;

let current = null; // the video shown: the server's view of it
let rows = []; // per line: {line, li, speaker, text}
let timedWords = []; // every published word, in time order: {start, end, span, row}
let highlighted = null;
let saving = false;
let navigated = false; // the page has changed view since it loaded

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function clock(seconds) {
  const tenths = Math.round(Math.max(0, seconds) * 10);
  const minutes = Math.floor(tenths / 600);
  const rest = tenths % 600;
  return `${String(minutes).padStart(2, "0")}:${String(Math.floor(rest / 10)).padStart(2, "0")}.${rest % 10}`;
}

async function fetchJSON(url, options) {
  const response = await fetch(url, options);
  let data = {};
  try { data = await response.json(); } catch (error) { data = { error: response.statusText }; }
  return { ok: response.ok, status: response.status, data };
}

function showOnly(id) {
  for (const view of ["loading", "list-view", "video-view"]) byId(view).hidden = view !== id;
}

// --- The list of videos ------------------------------------------------------------------------

async function showList() {
  current = null;
  document.title = "Videos to correct · transcript editor";
  const { ok, data } = await fetchJSON("/api/videos");
  const list = byId("videos");
  list.replaceChildren();
  byId("list-problem").textContent = ok ? "" : data.error;
  for (const video of data.videos || []) {
    const item = element("li");
    item.append(element("a", { href: `#/${encodeURIComponent(video.name)}` }, video.name),
      element("span", { class: "status" }, video.status));
    list.append(item);
  }
  if (ok && !(data.videos || []).length) list.append(element("li", {}, "No videos in the media folder yet."));
  showOnly("list-view");
}

// --- One video ---------------------------------------------------------------------------------

async function showVideo(name) {
  const { ok, data } = await fetchJSON(`/api/videos/${encodeURIComponent(name)}`);
  if (!ok) {
    await showList();
    byId("list-problem").textContent = data.error;
    return;
  }
  player.removeAttribute("src");
  renderVideo(data);
  showOnly("video-view");
  if (navigated) byId("video-heading").focus(); // a screen reader hears where the link led
}

function renderVideo(video) {
  const focusedId = document.activeElement && document.activeElement.id;
  current = video;
  document.title = `${video.name} · transcript editor`;
  byId("video-heading").textContent = video.name;
  byId("edit-file").textContent = video.edit_file;
  byId("problem").textContent = video.error ? `This file cannot be edited here until it is fixed: ${video.error}` : "";
  byId("save").setAttribute("aria-disabled", video.error ? "true" : "false");
  if (player.getAttribute("src") !== video.media_url) player.src = video.media_url;
  byId("cannot-play").hidden = true;
  setTrack(video.vtt_url);
  renderLines(video.lines);
  if (!video.current && !video.error) {
    say("This file has changed since the captions were last built; words and warnings show after a save.");
  }
  if (focusedId && byId(focusedId)) byId(focusedId).focus();
}

function setTrack(url) {
  for (const old of player.querySelectorAll("track")) old.remove();
  if (!url) return;
  const track = element("track", { kind: "captions", srclang: "en", label: "English", src: url, default: "" });
  player.append(track);
  track.track.mode = "showing";
}

function renderLines(lines) {
  const list = byId("lines");
  list.replaceChildren();
  rows = [];
  timedWords = [];
  highlighted = null;
  lines.forEach((line) => {
    const row = renderLine(line);
    rows.push(row);
    list.append(row.li);
  });
  timedWords.sort((a, b) => a.start - b.start);
}

function renderLine(line) {
  const time = line.mark ? line.mark.slice(1, -1) : clock(line.start || 0);
  const li = element("li", { class: "line", id: `line-${line.number}` });
  const play = element("button", { type: "button", class: "play", id: `play-${line.number}`,
    "aria-label": `Play from ${time}` }, time);
  play.addEventListener("click", () => playFrom(line.start || 0));
  const speaker = element("input", { type: "text", class: "speaker", id: `speaker-${line.number}`,
    "aria-label": `Speaker from line at ${time} (blank: no change of speaker)`, autocomplete: "off",
    spellcheck: "false" });
  speaker.value = line.speaker;
  const text = element("textarea", { class: "text", id: `text-${line.number}`, rows: "2",
    "aria-label": `Text of line at ${time}`, spellcheck: "true" });
  text.value = line.text;
  const row = { line, li, speaker, text };
  for (const field of [speaker, text]) field.addEventListener("input", () => markChanged(row));
  text.addEventListener("keydown", (event) => nextLineOnEnter(event, row));
  li.append(play, speaker, text);
  if (line.words.length) li.append(renderWords(line, row));
  if (line.findings.length) li.append(renderFindings(line.findings));
  return row;
}

function renderWords(line, row) {
  const strip = element("p", { class: "words" });
  strip.append(element("span", { class: "visually-hidden" }, "In the captions: "));
  line.words.forEach((word, index) => {
    const unsure = !word.sound && Boolean(word.check);
    const span = element("span", { class: `word${unsure ? " unsure" : ""}${word.sound ? " sound" : ""}` }, word.text);
    if (unsure) {
      span.title = `To check: ${word.check}`;
      span.append(element("span", { class: "visually-hidden" }, " (unsure)"));
    }
    span.addEventListener("click", () => playFrom(word.start));
    if (index) strip.append(" ");
    strip.append(span);
    timedWords.push({ start: word.start, end: word.end, span, row });
  });
  return strip;
}

function renderFindings(findings) {
  const list = element("ul", { class: "findings" });
  for (const finding of findings) {
    const rule = finding.rule.replace(/-/g, " ");
    list.append(element("li", { class: finding.error ? "error" : "warning" },
      `${finding.error ? "Caption error" : "Caption warning"} at ${clock(finding.start)}: ${rule}: ${finding.detail}`));
  }
  return list;
}

function isChanged(row) {
  const squash = (value) => value.trim().split(/\s+/).filter(Boolean).join(" ");
  return row.speaker.value.trim() !== row.line.speaker || squash(row.text.value) !== squash(row.line.text);
}

function markChanged(row) {
  row.li.classList.toggle("changed", isChanged(row));
  const count = rows.filter(isChanged).length;
  say(count ? `${count} line${count === 1 ? "" : "s"} changed, not saved yet.` : "");
}

function nextLineOnEnter(event, row) {
  if (event.key !== "Enter" || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) return;
  event.preventDefault(); // a line of the file has no line breaks inside it
  const next = rows[rows.indexOf(row) + 1];
  if (next) next.text.focus();
}

// --- Saving ------------------------------------------------------------------------------------

function say(message) { byId("status").textContent = message; }

async function save() {
  if (!current || current.error || saving) return;
  const changes = rows.filter(isChanged).map((row) => ({
    line: row.line.number, speaker: row.speaker.value, text: row.text.value }));
  if (!changes.length) { say("Nothing to save: no line has changed."); return; }
  saving = true;
  byId("save").setAttribute("aria-disabled", "true");
  byId("problem").textContent = "";
  say("Saving and rebuilding the captions…");
  try {
    const { ok, data } = await fetchJSON(`/api/videos/${encodeURIComponent(current.name)}/save`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Edit-Token": token },
      body: JSON.stringify({ base: current.edit_sha256, changes }),
    });
    if (!ok) {
      say("Not saved.");
      byId("problem").textContent = data.error; // the edits stay in the fields, nothing is lost
      return;
    }
    const time = player.currentTime;
    renderVideo(data.video);
    if (time) player.currentTime = time;
    say(data.message);
    if (data.build_error) byId("problem").textContent = data.build_error;
  } catch (error) {
    say("Not saved.");
    byId("problem").textContent = `Could not reach the editor (is \`make edit\` still running?): ${error.message}`;
  } finally {
    saving = false;
    if (current && !current.error) byId("save").setAttribute("aria-disabled", "false");
  }
}

// --- Playing -----------------------------------------------------------------------------------

function playFrom(seconds) {
  player.currentTime = seconds;
  player.play().catch(() => {});
}

function togglePlay() {
  if (player.paused) player.play().catch(() => {}); else player.pause();
}

function wordAt(seconds) {
  let low = 0;
  let high = timedWords.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (timedWords[middle].start <= seconds) { found = middle; low = middle + 1; } else high = middle - 1;
  }
  return found >= 0 && seconds < timedWords[found].end + 0.3 ? timedWords[found] : null;
}

function highlight() {
  const word = wordAt(player.currentTime);
  if (word === highlighted) return;
  if (highlighted) {
    highlighted.span.classList.remove("current");
    highlighted.row.li.classList.remove("playing");
  }
  highlighted = word;
  if (!word) return;
  word.span.classList.add("current");
  word.row.li.classList.add("playing");
  const typing = ["INPUT", "TEXTAREA"].includes(document.activeElement?.tagName);
  if (!player.paused && !typing) word.row.li.scrollIntoView({ block: "nearest" });
}

function followPlayback() {
  highlight();
  if (!player.paused) requestAnimationFrame(followPlayback);
}

player.addEventListener("play", followPlayback);
player.addEventListener("seeked", highlight);
player.addEventListener("timeupdate", highlight);
player.addEventListener("error", () => { if (current) byId("cannot-play").hidden = false; });

// --- Keys: only with Alt or Ctrl, so ordinary typing is never taken -----------------------------

document.addEventListener("keydown", (event) => {
  if (!current) return;
  const alone = !event.shiftKey && !event.metaKey;
  if (alone && ((event.altKey && event.code === "KeyP") || (event.ctrlKey && !event.altKey && event.code === "Space"))) {
    event.preventDefault();
    togglePlay();
  } else if (alone && ((event.altKey && event.code === "KeyB") || (event.ctrlKey && !event.altKey && event.key === ","))) {
    event.preventDefault();
    player.currentTime = Math.max(0, player.currentTime - BACK_SECONDS);
  } else if ((event.ctrlKey || event.metaKey) && !event.altKey && event.code === "KeyS") {
    event.preventDefault();
    save();
  }
});

window.addEventListener("beforeunload", (event) => {
  if (rows.some(isChanged)) event.preventDefault();
});

byId("save").addEventListener("click", save);

function route() {
  const match = location.hash.match(/^#\/(.+)$/);
  if (match) showVideo(decodeURIComponent(match[1])); else showList();
}

window.addEventListener("hashchange", () => { navigated = true; route(); });
route();

// The transcript editor page. Every piece of transcript text goes into the page as text
// (textContent, input values), never as HTML. Plain JavaScript, no framework, no build step.
"use strict";

const token = document.querySelector('meta[name="edit-token"]').content;
const byId = (id) => document.getElementById(id);
const player = byId("player");
const BACK_SECONDS = 5;
const DRAFT_PREFIX = "captions-editor:draft:";
const REDO_PREFIX = "captions-editor:redo:";
const TOKEN_PATTERN = /\[[^\[\]]*\]|[^\s\[\]]+/g; // as the file's parser splits a line's text

let current = null; // the video shown: the server's view of it
let rows = []; // in order: {origin (the line as loaded, or null for a new line), li, speaker, voice, text, mark, play}
let voiceNames = new Map(); // the speakers table: voice ("Speaker 2") -> its name box in the Speakers panel
const NEW_SPEAKER = "\u0000new"; // the dropdown's "New speaker…": a value no name can have
let timedWords = []; // every published word, in time order: {start, end, span, row}
let highlighted = null;
let saving = false;
let navigated = false; // the page has changed view since it loaded
let activeRow = null; // the line the line tools act on
let reviewAt = -1; // the word of the review list last gone to
let newRowCount = 0;
let pendingMerge = null; // {video, rows} while the merge view is shown
let lastHash = location.hash;
const videoShown = []; // functions called with each video view the page shows (workbench.js adds them)

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

function markSeconds(mark) {
  const match = /^\[?(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)\]?$/.exec(mark.trim());
  if (!match) return null;
  return Number(match[1] || 0) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

const squash = (value) => value.trim().split(/\s+/).filter(Boolean).join(" ");
const plural = (count, word) => `${count} ${count === 1 ? word : (word.endsWith("ch") ? `${word}es` : `${word}s`)}`;

async function fetchJSON(url, options) {
  const response = await fetch(url, options);
  let data = {};
  try { data = await response.json(); } catch (error) { data = { error: response.statusText }; }
  return { ok: response.ok, status: response.status, data };
}

function post(url, body) {
  return fetchJSON(url, { method: "POST", headers: { "Content-Type": "application/json", "X-Edit-Token": token },
    body: JSON.stringify(body) });
}

const videoUrl = (suffix) => `/api/videos/${encodeURIComponent(current.name)}${suffix}`;

function showOnly(id) {
  for (const view of ["loading", "list-view", "video-view"]) byId(view).hidden = view !== id;
}

// --- The list of videos ------------------------------------------------------------------------

async function showList() {
  current = null;
  rows = [];
  document.title = "Videos to correct · transcript editor";
  const { ok, data } = await fetchJSON("/api/videos");
  const list = byId("videos");
  list.replaceChildren();
  byId("list-problem").textContent = ok ? "" : data.error;
  for (const video of data.videos || []) {
    const item = element("li");
    item.append(element("a", { href: `#/${encodeURIComponent(video.name)}` }, video.name),
      element("span", { class: "status" }, video.status));
    if (localStorage.getItem(DRAFT_PREFIX + video.name)) {
      item.append(element("span", { class: "draft-note" }, " · unsaved changes kept in this browser"));
    }
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
  reviewAt = -1;
  hideMerge();
  byId("problem").textContent = "";
  renderVideo(data);
  restoreDraft();
  showOnly("video-view");
  if (navigated) byId("video-heading").focus(); // a screen reader hears where the link led
}

function renderVideo(video, keep = null) {
  const focusedId = document.activeElement && document.activeElement.id;
  current = video;
  document.title = `${video.name} · transcript editor`;
  byId("video-heading").textContent = video.name;
  byId("edit-file").textContent = video.edit_file;
  if (video.error) byId("problem").textContent = `This file cannot be edited here until it is fixed: ${video.error}`;
  byId("save").setAttribute("aria-disabled", video.error ? "true" : "false");
  if (player.getAttribute("src") !== video.media_url) player.src = video.media_url;
  byId("cannot-play").hidden = true;
  setTrack(video.vtt_url);
  renderSpeakers(video.speakers || []);
  renderLines(video.lines);
  if (keep && keep.base === video.edit_sha256) applyDraft(keep);
  renderReview();
  updateStatus();
  if (!video.current && !video.error) {
    byId("review-status").textContent = "This file has changed since the captions were last built; words and warnings show after a save.";
  }
  for (const shown of videoShown) shown(video);
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
  activeRow = null;
  for (const line of lines) {
    const row = makeRow(line, line.speaker, line.text, line.mark);
    rows.push(row);
    list.append(row.li);
  }
  timedWords.sort((a, b) => a.start - b.start);
  refreshSpeakers();
  showActiveRow();
}

function rowTime(row) {
  if (row.mark) return row.mark.slice(1, -1);
  return row.origin && row.origin.start != null ? clock(row.origin.start) : "new";
}

function rowStart(row) {
  if (row.mark) return markSeconds(row.mark) || 0;
  if (row.origin && row.origin.start != null) return row.origin.start;
  const index = rows.indexOf(row);
  for (let i = index - 1; i >= 0; i -= 1) if (rows[i].origin || rows[i].mark) return rowStart(rows[i]);
  return 0;
}

function makeRow(origin, speakerValue, textValue, mark) {
  const key = origin ? String(origin.number) : `new-${(newRowCount += 1)}`;
  const li = element("li", { class: "line", id: `line-${key}` });
  const row = { origin, li, mark: mark || "" };
  row.play = element("button", { type: "button", class: "play", id: `play-${key}` });
  row.play.addEventListener("click", () => playFrom(rowStart(row)));
  row.number = element("span", { class: "number" });
  row.speaker = element("input", { type: "text", class: "speaker", id: `speaker-${key}`, autocomplete: "off",
    spellcheck: "false", hidden: "" });
  row.speaker.value = speakerValue;
  row.voice = element("select", { class: "voice", id: `voice-${key}` });
  row.voice.addEventListener("change", () => chooseVoice(row));
  row.speaker.addEventListener("change", () => refreshSpeakers());
  row.text = element("textarea", { class: "text", id: `text-${key}`, rows: "2", spellcheck: "true" });
  row.text.value = textValue;
  for (const field of [row.speaker, row.text]) field.addEventListener("input", () => changed(row));
  row.text.addEventListener("keydown", (event) => enterInLine(event, row));
  li.addEventListener("focusin", () => { activeRow = row; showActiveRow(); });
  const head = element("div", { class: "line-start" });
  head.append(row.play, row.number);
  const speakerBox = element("div", { class: "speaker-box" });
  speakerBox.append(row.voice, row.speaker);
  li.append(head, speakerBox, row.text);
  if (origin && origin.words.length) li.append(renderWords(origin, row));
  if (origin && origin.findings.length) li.append(renderFindings(origin.findings));
  labelRow(row);
  return row;
}

function labelRow(row) {
  const time = rowTime(row);
  const where = row.origin ? `line ${row.origin.number}` : "new line";
  row.play.textContent = time;
  row.play.setAttribute("aria-label", time === "new" ? "new line: play from the line before" : `Play from ${time}`);
  row.number.textContent = where;
  const at = time === "new" ? "new line" : `line at ${time}`;
  row.voice.setAttribute("aria-label", `Speaker of ${at}`);
  row.speaker.setAttribute("aria-label", `New speaker's name from ${at}`);
  row.text.setAttribute("aria-label", `Text of ${at}`);
  row.li.classList.toggle("changed", isChanged(row));
}

function renderWords(line, row) {
  const strip = element("p", { class: "words" });
  strip.append(element("span", { class: "visually-hidden" }, "In the captions: "));
  line.words.forEach((word, index) => {
    const unsure = !word.sound && Boolean(word.check);
    const span = element("span", { class: `word${unsure ? " unsure" : ""}${word.sound ? " sound" : ""}` }, word.text);
    if (unsure) {
      span.title = `To check: ${word.check}`;
      span.dataset.key = word.key;
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

// --- What has changed: kept in this browser until it is saved ------------------------------------

function isChanged(row) {
  if (!row.origin) return true;
  return row.speaker.value.trim() !== row.origin.speaker || squash(row.text.value) !== squash(row.origin.text)
    || row.mark !== row.origin.mark;
}

function deletedLines() {
  if (!current) return [];
  const kept = new Set(rows.filter((row) => row.origin).map((row) => row.origin.number));
  return current.lines.filter((line) => !kept.has(line.number));
}

function changeCount() {
  return rows.filter((row) => isChanged(row) && (row.origin || squash(row.text.value))).length
    + deletedLines().length + renamedVoices().length;
}

function changed(row) {
  if (row) row.li.classList.toggle("changed", isChanged(row));
  keepDraft();
  updateStatus();
}

function updateStatus(message) {
  const count = current ? changeCount() : 0;
  const status = byId("status");
  status.classList.toggle("unsaved", count > 0);
  if (message) status.textContent = message;
  else if (saving) status.textContent = "Saving…";
  else status.textContent = count ? `Not saved: ${plural(count, "change")} (kept in this browser until you save).`
    : "Saved: no unsaved changes.";
}

function snapshot() {
  return {
    base: current.edit_sha256,
    base_lines: current.lines.map((line) => ({ number: line.number, mark: line.mark, speaker: line.speaker,
      text: line.text })),
    rows: rows.map((row) => ({ origin: row.origin ? row.origin.number : null, speaker: row.speaker.value,
      text: row.text.value, mark: row.mark })),
    names: Object.fromEntries([...voiceNames].map(([voice, box]) => [voice, box.value])),
  };
}

function keepDraft() {
  if (!current || current.error) return;
  try {
    if (changeCount()) localStorage.setItem(DRAFT_PREFIX + current.name, JSON.stringify(snapshot()));
    else localStorage.removeItem(DRAFT_PREFIX + current.name);
  } catch (error) { /* storage full or off: the page still works, unsaved work is not kept */ }
}

function applyDraft(draft) {
  const byNumber = new Map(current.lines.map((line) => [line.number, line]));
  const oldRows = new Map(rows.filter((row) => row.origin).map((row) => [row.origin.number, row]));
  const list = byId("lines");
  list.replaceChildren();
  const next = [];
  for (const saved of draft.rows) {
    const origin = saved.origin != null ? byNumber.get(saved.origin) : null;
    let row = origin ? oldRows.get(origin.number) : null;
    if (row) {
      row.speaker.value = saved.speaker;
      row.text.value = saved.text;
      row.mark = saved.mark;
      oldRows.delete(origin.number);
    } else {
      row = makeRow(null, saved.speaker, saved.text, saved.mark);
    }
    labelRow(row);
    next.push(row);
    list.append(row.li);
  }
  rows = next;
  timedWords = timedWords.filter((word) => rows.includes(word.row));
  for (const [voice, name] of Object.entries(draft.names || {})) if (voiceNames.has(voice)) voiceNames.get(voice).value = name;
  refreshSpeakers();
}

function restoreDraft() {
  let draft = null;
  try { draft = JSON.parse(localStorage.getItem(DRAFT_PREFIX + current.name) || "null"); } catch (error) { draft = null; }
  if (!draft || current.error) return;
  if (draft.base === current.edit_sha256) {
    applyDraft(draft);
    keepDraft();
    updateStatus();
    byId("problem").textContent = "";
    byId("review-status").textContent = `Your unsaved changes from before were restored (${plural(changeCount(), "change")}).`;
  } else {
    showMerge(current, draft, "Your unsaved changes from before were made to an earlier version of the file.");
  }
}

function confirmLeave() {
  if (!current || !changeCount()) return true;
  return window.confirm("You have unsaved changes. They are kept in this browser and come back when you return. Leave this video?");
}

// --- Who speaks: the speakers table (each voice named once) and each line's speaker ---------------

const PLACEHOLDER = /^Speaker [1-9]\d*$/; // a voice the machine told apart, as the first draft names it

function renderSpeakers(table) {
  // The Speakers panel: one name box per voice of the table (and per placeholder the lines use
  // without a row): naming it there names every turn of that voice, through the same save.
  voiceNames = new Map();
  const list = byId("speaker-list");
  list.replaceChildren();
  const inTable = new Set(table.map((row) => row.voice));
  const extra = [...new Set(current.lines.map((line) => line.speaker))]
    .filter((voice) => PLACEHOLDER.test(voice) && !inTable.has(voice));
  [...table, ...extra.map((voice) => ({ voice, name: "" }))].forEach((entry, index) => {
    const id = `voice-name-${index}`;
    const box = element("input", { type: "text", id, class: "voice-name", autocomplete: "off", spellcheck: "false" });
    box.value = entry.name;
    box.dataset.original = entry.name;
    box.addEventListener("input", () => { refreshSpeakers(); changed(null); });
    const turns = current.lines.filter((line) => line.speaker === entry.voice).length;
    const item = element("li");
    item.append(element("label", { for: id }, `Name of ${entry.voice}`), box,
      element("span", { class: "turns" }, `${plural(turns, "turn")} in the file`));
    list.append(item);
    voiceNames.set(entry.voice, box);
  });
  byId("speakers").hidden = voiceNames.size === 0;
}

function renamedVoices() {
  return [...voiceNames].filter(([, box]) => squash(box.value) !== box.dataset.original).map(([voice]) => voice);
}

function displayName(voice) {
  const box = voiceNames.get(voice);
  return (box && squash(box.value)) || voice;
}

function voiceLabel(voice) {
  const name = displayName(voice);
  return name === voice ? voice : `${name} (${voice})`;
}

function knownVoices() {
  const voices = [...voiceNames.keys(), ...rows.map((row) => row.speaker.value.trim())];
  return [...new Set(voices.filter(Boolean))];
}

function fillVoices(select, voices, inherited) {
  // The first choice keeps the speaker of the line before, and says who that is.
  select.replaceChildren(element("option", { value: "" },
    inherited ? `${displayName(inherited)} (continued)` : "No speaker named"));
  for (const voice of voices) select.append(element("option", { value: voice }, voiceLabel(voice)));
  select.append(element("option", { value: NEW_SPEAKER }, "New speaker…"));
}

function refreshSpeakers() {
  // Every line shows its speaker: its own, or the one it continues (greyed).
  const voices = knownVoices();
  let inherited = "";
  for (const row of rows) {
    const own = row.speaker.value.trim();
    const typing = row.voice.value === NEW_SPEAKER && document.activeElement === row.speaker;
    fillVoices(row.voice, voices, inherited);
    row.voice.value = typing ? NEW_SPEAKER : own;
    row.voice.classList.toggle("continued", !own && !typing);
    row.speaker.hidden = !typing;
    if (own) inherited = own;
  }
}

function chooseVoice(row) {
  if (row.voice.value === NEW_SPEAKER) { // a name typed in the box that appears
    row.speaker.value = "";
    row.speaker.hidden = false;
    row.speaker.focus();
  } else {
    row.speaker.value = row.voice.value;
  }
  changed(row);
  refreshSpeakers();
}

// --- Structure: split, merge, insert, delete, sounds, time marks --------------------------------

function focusText(row, position) {
  row.text.focus();
  if (position != null) row.text.setSelectionRange(position, position);
}

function insertRow(after, speakerValue, textValue, mark) {
  const row = makeRow(null, speakerValue, textValue, mark);
  const index = after ? rows.indexOf(after) + 1 : 0;
  rows.splice(index, 0, row);
  const list = byId("lines");
  list.insertBefore(row.li, index + 1 < rows.length ? rows[index + 1].li : null);
  changed(row);
  refreshSpeakers();
  return row;
}

function removeRow(row) {
  rows.splice(rows.indexOf(row), 1);
  row.li.remove();
  timedWords = timedWords.filter((word) => word.row !== row);
  if (activeRow === row) activeRow = null;
  refreshSpeakers();
}

function splitRow(row) {
  const at = row.text.selectionStart;
  const before = row.text.value.slice(0, at).trim();
  const after = row.text.value.slice(at).trim();
  if (!before || !after) { say("Put the cursor between two words to split the line there."); return; }
  row.text.value = before;
  const added = insertRow(row, "", after, "");
  changed(row);
  focusText(added, 0);
  say("Line split: the new line's time is worked out from the audio when you save.");
}

function mergeRow(row) {
  const next = rows[rows.indexOf(row) + 1];
  if (!next) { say("This is the last line: there is nothing to merge it with."); return; }
  if (next.speaker.value.trim()) {
    say(`The next line starts a new speaker (${next.speaker.value.trim()}); clear its speaker first to merge.`);
    return;
  }
  const junction = row.text.value.trimEnd().length;
  row.text.value = `${row.text.value.trimEnd()} ${next.text.value.trim()}`.trim();
  removeRow(next);
  changed(row);
  focusText(row, junction);
  say("Lines merged.");
}

function deleteRow(row) {
  const index = rows.indexOf(row);
  removeRow(row);
  changed(null);
  const neighbour = rows[index] || rows[index - 1];
  if (neighbour) focusText(neighbour, 0);
  say("Line deleted. Save to remove it from the file.");
}

function boundsFor(row) {
  // Time marks must go forward: the earliest and latest a mark on this row may be.
  const index = rows.indexOf(row);
  let low = 0;
  let high = Infinity;
  for (let i = index - 1; i >= 0; i -= 1) if (rows[i].mark) { low = markSeconds(rows[i].mark); break; }
  for (let i = index + 1; i < rows.length; i += 1) if (rows[i].mark) { high = markSeconds(rows[i].mark); break; }
  return [low, high];
}

function insertSound(row) {
  const added = insertRow(row, "", "[music]", "");
  const [low, high] = boundsFor(added);
  added.mark = `[${clock(Math.min(high, Math.max(low, player.currentTime || 0)))}]`;
  labelRow(added);
  changed(added);
  added.text.focus();
  added.text.setSelectionRange(1, 6); // "music" selected: type the sound over it
  say("Sound line inserted at the playhead; type what is heard, in square brackets.");
}

function setMark(row, written) {
  if (!written.trim()) {
    row.mark = "";
  } else {
    const seconds = markSeconds(written);
    if (seconds === null) { say(`“${written}” is not a time such as 01:23.4.`); return false; }
    const [low, high] = boundsFor(row);
    if (seconds < low || seconds > high) {
      say(`A time mark here must be between ${clock(low)} and ${high === Infinity ? "the end" : clock(high)}.`);
      return false;
    }
    row.mark = `[${clock(seconds)}]`;
  }
  labelRow(row);
  changed(row);
  showActiveRow();
  return true;
}

function showActiveRow() {
  const label = byId("current-line");
  const input = byId("mark-input");
  if (!activeRow || !rows.includes(activeRow)) {
    label.textContent = "Select a line to change it.";
    input.value = "";
    return;
  }
  const time = rowTime(activeRow);
  label.textContent = activeRow.origin ? `Line ${activeRow.origin.number} (${time})` : "A new line";
  if (document.activeElement !== input) input.value = activeRow.mark ? activeRow.mark.slice(1, -1) : "";
}

function withRow(action) {
  return () => {
    const row = activeRow && rows.includes(activeRow) ? activeRow : null;
    if (!row) { say("Select a line first (click into its text)."); return; }
    action(row);
  };
}

function enterInLine(event, row) {
  if (event.key !== "Enter" || event.shiftKey || event.ctrlKey || event.metaKey) return;
  event.preventDefault(); // a line of the file has no line breaks inside it
  if (event.altKey) { focusText(insertRow(row, "", "", "")); return; }
  const at = row.text.selectionStart;
  if (at >= row.text.value.trimEnd().length || !row.text.value.slice(0, at).trim()) {
    const next = rows[rows.indexOf(row) + 1];
    if (next) next.text.focus();
    return;
  }
  splitRow(row);
}

// --- The review list ---------------------------------------------------------------------------

function rowForLine(number) {
  return rows.find((row) => row.origin && row.origin.number === number) || null;
}

function renderReview() {
  const list = byId("review-list");
  list.replaceChildren();
  const items = current.review || [];
  byId("review-count").textContent = current.current
    ? (items.length ? `${plural(items.length, "word")} to check, riskiest first.` : "No words to check.")
    : "Save to see the words to check.";
  items.forEach((item, index) => {
    const li = element("li", { class: "review-item", id: `review-${index}` });
    const go = element("button", { type: "button", class: "review-go link-like" },
      `${item.word} · ${clock(item.start)} · line ${item.line}`);
    go.addEventListener("click", () => goToReview(index));
    const why = element("p", { class: "why" }, `${Math.round(item.risk * 100)}% risk: ${item.reasons.join("; ")}`);
    const actions = element("div", { class: "toolbar" });
    if (item.index >= 0) {
      const checked = element("button", { type: "button", class: "secondary small",
        "aria-label": `Mark checked: ${item.word} at ${clock(item.start)}` }, "Mark checked");
      checked.addEventListener("click", () => markChecked(item));
      actions.append(checked);
    }
    if (item.alternative && item.index >= 0) {
      const use = element("button", { type: "button", class: "secondary small",
        "aria-label": `Use “${item.alternative}” for ${item.word} at ${clock(item.start)}` },
      `Use “${item.alternative}”`);
      use.addEventListener("click", () => useAlternative(item));
      actions.append(use);
    }
    li.append(go, why, actions);
    list.append(li);
  });
}

function tokenRange(text, index, word) {
  const tokens = [...text.matchAll(TOKEN_PATTERN)];
  const at = tokens[index];
  if (at && at[0] === word) return [at.index, at.index + at[0].length];
  const found = tokens.find((token) => token[0] === word);
  if (found) return [found.index, found.index + found[0].length];
  return at ? [at.index, at.index + at[0].length] : null;
}

function goToReview(index) {
  const items = current.review || [];
  if (!items.length) { byId("review-status").textContent = "No words to check."; return; }
  reviewAt = (index + items.length) % items.length;
  const item = items[reviewAt];
  for (const old of document.querySelectorAll(".review-item[aria-current]")) old.removeAttribute("aria-current");
  byId(`review-${reviewAt}`).setAttribute("aria-current", "true");
  byId(`review-${reviewAt}`).scrollIntoView({ block: "nearest" });
  for (const old of document.querySelectorAll(".word.focus")) old.classList.remove("focus");
  const span = document.querySelector(`.word[data-key="${CSS.escape(item.key)}"]`);
  if (span) span.classList.add("focus");
  const row = rowForLine(item.line);
  if (row) {
    row.li.scrollIntoView({ block: "center" });
    row.text.focus();
    const range = item.index >= 0 ? tokenRange(row.text.value, item.index, item.word) : null;
    if (range) row.text.setSelectionRange(range[0], range[1]);
  }
  player.currentTime = Math.max(0, item.start - 0.5);
  const offer = item.alternative ? ` Another model heard “${item.alternative}”.` : "";
  byId("review-status").textContent = `Word ${reviewAt + 1} of ${items.length}: “${item.word}” at ${clock(item.start)}, `
    + `line ${item.line}: ${item.reasons.join("; ")}.${offer}`;
}

async function markChecked(item) {
  if (saving) return;
  const keep = snapshot();
  const { ok, data } = await post(videoUrl("/check"), { key: item.key });
  if (!ok) { byId("problem").textContent = data.error; return; }
  renderVideo(data.video, keep);
  byId("review-status").textContent = `${data.message} ${plural(data.video.to_check, "word")} left to check.`;
  if (data.build_error) byId("problem").textContent = data.build_error;
}

async function useAlternative(item) {
  const row = rowForLine(item.line);
  const range = row ? tokenRange(row.text.value, item.index, item.word) : null;
  if (!range) { byId("problem").textContent = `Line ${item.line} no longer has “${item.word}”.`; return; }
  row.text.value = row.text.value.slice(0, range[0]) + item.alternative + row.text.value.slice(range[1]);
  changed(row);
  await save();
}

// --- Saving ------------------------------------------------------------------------------------

function say(message) { updateStatus(message); }

function operations() {
  const ops = [];
  let last = 0;
  for (const row of rows) {
    if (row.origin) {
      last = row.origin.number;
      if (isChanged(row)) {
        ops.push({ op: "edit", line: row.origin.number, speaker: row.speaker.value, text: row.text.value,
          mark: row.mark === row.origin.mark ? null : row.mark });
      }
    } else if (squash(row.text.value)) {
      ops.push({ op: "insert", after: last, speaker: row.speaker.value, text: row.text.value, mark: row.mark });
    }
  }
  for (const line of deletedLines()) ops.push({ op: "delete", line: line.number });
  for (const voice of renamedVoices()) ops.push({ op: "name", speaker: voice, text: voiceNames.get(voice).value });
  return ops;
}

function showLineProblem(data) {
  for (const old of document.querySelectorAll(".line.has-problem")) old.classList.remove("has-problem");
  let row = null;
  if (data.line) row = rowForLine(data.line);
  if (data.change != null) {
    const inserted = rows.filter((r) => !r.origin && squash(r.text.value));
    const ops = operations();
    const nth = ops.slice(0, data.change + 1).filter((op) => op.op === "insert").length - 1;
    row = inserted[nth] || null;
  }
  if (row) {
    row.li.classList.add("has-problem");
    row.li.scrollIntoView({ block: "center" });
    row.text.focus();
  }
}

async function save() {
  if (!current || current.error || saving) return;
  const changes = operations();
  if (!changes.length) { say("Nothing to save: no line has changed."); return; }
  saving = true;
  byId("save").setAttribute("aria-disabled", "true");
  byId("problem").textContent = "";
  say("Saving… and rebuilding the captions.");
  try {
    const { ok, status, data } = await post(videoUrl("/save"), { base: current.edit_sha256, changes });
    saving = false;
    if (!ok) {
      say("Not saved.");
      byId("problem").textContent = data.error; // the edits stay in the fields, nothing is lost
      if (status === 409 && data.conflict) await conflict();
      else showLineProblem(data);
      return;
    }
    const time = player.currentTime;
    forgetRedo();
    clearDraft();
    renderVideo(data.video);
    if (time) player.currentTime = time;
    say(data.message);
    if (data.build_error) byId("problem").textContent = data.build_error;
  } catch (error) {
    saving = false;
    say("Not saved.");
    byId("problem").textContent = `Could not reach the editor (is \`make edit\` still running?): ${error.message}`;
  } finally {
    saving = false;
    if (current && !current.error) byId("save").setAttribute("aria-disabled", "false");
  }
}

function clearDraft() {
  try { localStorage.removeItem(DRAFT_PREFIX + current.name); } catch (error) { /* nothing kept */ }
}

// --- A save refused because the file changed on disk: merge, line by line -----------------------

async function conflict() {
  const { ok, data } = await fetchJSON(videoUrl(""));
  if (!ok) return;
  showMerge(data, snapshot(), "");
}

const lineKey = (line) => `${line.mark}\u0000${line.speaker}\u0000${squash(line.text)}`;

function matchLines(base, disk) {
  // Longest common subsequence of whole lines: base index -> disk index, for lines both still have.
  const n = base.length;
  const m = disk.length;
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      table[i][j] = lineKey(base[i]) === lineKey(disk[j]) ? table[i + 1][j + 1] + 1
        : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const pairs = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (lineKey(base[i]) === lineKey(disk[j])) { pairs.push([i, j]); i += 1; j += 1; }
    else if (table[i + 1][j] >= table[i][j + 1]) i += 1; else j += 1;
  }
  return pairs;
}

function mergeDraft(disk, draft) {
  // Three-way, line by line: the lines the page loaded (base), this page's rows, the file now (disk).
  const base = draft.base_lines;
  const baseIndex = new Map(base.map((line, i) => [line.number, i]));
  const mine = new Map(); // base index -> my row for it
  const added = new Map(); // base index (-1: before all) -> my new rows after it
  let last = -1;
  for (const row of draft.rows) {
    if (row.origin != null && baseIndex.has(row.origin)) { last = baseIndex.get(row.origin); mine.set(last, row); }
    else { if (!added.has(last)) added.set(last, []); added.get(last).push(row); }
  }
  const myChange = (i) => {
    const row = mine.get(i);
    return !row || lineKey(row) !== lineKey(base[i]);
  };
  const pairs = [...matchLines(base, disk.lines), [base.length, disk.lines.length]];
  const parts = []; // {kind: "row", row} or {kind: "conflict", mine: [rows], theirs: [lines]}
  const fromDisk = (line) => ({ origin: line.number, speaker: line.speaker, text: line.text, mark: line.mark });
  let bi = 0;
  let di = 0;
  const mineAfter = (i) => (added.get(i) || []).map((row) => ({ ...row, origin: null }));
  for (const part of mineAfter(-1)) parts.push({ kind: "row", row: part, mine: true });
  for (const [pb, pd] of pairs) {
    const gapBase = [];
    for (let i = bi; i < pb; i += 1) gapBase.push(i);
    const gapDisk = disk.lines.slice(di, pd);
    const touched = gapBase.some((i) => myChange(i) || added.has(i));
    if (!touched) {
      for (const line of gapDisk) parts.push({ kind: "row", row: fromDisk(line) });
    } else {
      const myRows = [];
      for (const i of gapBase) {
        if (mine.has(i)) myRows.push({ ...mine.get(i), origin: null });
        myRows.push(...mineAfter(i));
      }
      parts.push({ kind: "conflict", mine: myRows, theirs: gapDisk, base: gapBase.map((i) => base[i]), choice: "mine" });
    }
    if (pb < base.length) {
      const line = disk.lines[pd];
      const row = mine.get(pb);
      if (row) parts.push({ kind: "row", row: { ...row, origin: line.number }, mine: myChange(pb) });
      for (const part of mineAfter(pb)) parts.push({ kind: "row", row: part, mine: true });
    }
    bi = pb + 1;
    di = pd + 1;
  }
  return parts;
}

function resolvedRows(parts) {
  const out = [];
  for (const part of parts) {
    if (part.kind === "row") { out.push(part.row); continue; }
    const theirs = part.theirs.map((line) => ({ origin: line.number, speaker: line.speaker, text: line.text, mark: line.mark }));
    if (part.choice === "theirs") out.push(...theirs);
    else if (part.choice === "both") out.push(...theirs, ...part.mine);
    else {
      // Mine in place of the file's lines: the first of them is rewritten, the rest deleted.
      part.mine.forEach((row, i) => out.push(i === 0 && theirs.length ? { ...row, origin: theirs[0].origin } : row));
    }
  }
  return out;
}

function describe(line) {
  const mark = line.mark ? `${line.mark} ` : "";
  const speaker = line.speaker ? `>> ${line.speaker}: ` : "";
  return `${mark}${speaker}${line.text}`;
}

function showMerge(disk, draft, why) {
  const parts = mergeDraft(disk, draft);
  pendingMerge = { disk, parts, names: draft.names };
  showMergeChoices("merge", parts, why, "changes");
}

function showMergeChoices(prefix, parts, why, what) {
  // The merge view whose elements are #PREFIX, #PREFIX-summary, -list and -heading (the
  // transcript's, and the easy read's): clean changes listed, a choice for each conflict.
  const list = byId(`${prefix}-list`);
  list.replaceChildren();
  const clean = parts.filter((part) => part.kind === "row" && part.mine).length;
  const conflicts = parts.filter((part) => part.kind === "conflict");
  byId(`${prefix}-summary`).textContent = `${why ? `${why} ` : ""}${clean} of your ${what} `
    + `merge${clean === 1 ? "s" : ""} cleanly with the file as it is now; ${plural(conflicts.length, "place")} `
    + `changed in both. Choose what to keep in each.`;
  for (const part of parts) {
    if (part.kind === "row" && part.mine) {
      list.append(element("li", { class: "merge-clean" }, `Your change, kept: ${describe(part.row)}`));
    }
  }
  conflicts.forEach((part, index) => {
    const li = element("li", { class: "merge-conflict" });
    const where = part.base.length ? `line ${part.base[0].number}` : "new lines";
    const fieldset = element("fieldset");
    fieldset.append(element("legend", {}, `Changed in both (${where})`));
    const yours = element("div", { class: "merge-side" });
    yours.append(element("strong", {}, "Yours: "), element("span", { class: "merge-mine" },
      part.mine.map(describe).join(" / ") || "(deleted)"));
    const theirs = element("div", { class: "merge-side" });
    theirs.append(element("strong", {}, "The file now: "), element("span", { class: "merge-theirs" },
      part.theirs.map(describe).join(" / ") || "(deleted)"));
    fieldset.append(yours, theirs);
    for (const [value, label] of [["mine", "Keep mine"], ["theirs", "Keep the file's"], ["both", "Keep both"]]) {
      const id = `${prefix}-${index}-${value}`;
      const input = element("input", { type: "radio", name: `${prefix}-${index}`, id, value });
      if (part.choice === value) input.checked = true;
      input.addEventListener("change", () => { part.choice = value; });
      const label_ = element("label", { for: id, class: "inline" }, label);
      fieldset.append(input, label_);
    }
    li.append(fieldset);
    list.append(li);
  });
  byId(prefix).hidden = false;
  byId(`${prefix}-heading`).focus();
}

function hideMerge() {
  pendingMerge = null;
  byId("merge").hidden = true;
}

function applyMerge() {
  if (!pendingMerge) return;
  const { disk, parts, names } = pendingMerge;
  const merged = resolvedRows(parts);
  hideMerge();
  byId("problem").textContent = "";
  renderVideo(disk);
  applyDraft({ base: disk.edit_sha256, rows: merged, names });
  keepDraft();
  updateStatus("Merged with the file as it is now: check the lines, then save.");
  byId("save").focus();
}

// --- Find and replace --------------------------------------------------------------------------

function findPattern() {
  const text = byId("find-text").value;
  if (!text) return null;
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const whole = byId("find-whole").checked;
  const source = whole ? `(?<![\\p{L}\\p{N}'’])${escaped}(?![\\p{L}\\p{N}'’])` : escaped;
  return new RegExp(source, `gu${byId("find-case").checked ? "" : "i"}`);
}

function matches() {
  const pattern = findPattern();
  if (!pattern) return [];
  const found = [];
  for (const row of rows) for (const match of row.text.value.matchAll(pattern)) found.push({ row, at: match.index, length: match[0].length });
  return found;
}

function findSay(message) { byId("find-status").textContent = message; }

function findNext() {
  const found = matches();
  if (!found.length) { findSay("No matches."); return null; }
  const row = activeRow && rows.includes(activeRow) ? activeRow : null;
  const from = row && document.activeElement === row.text ? row.text.selectionEnd : -1;
  const order = row ? rows.indexOf(row) : -1;
  const next = found.find((m) => rows.indexOf(m.row) > order || (m.row === row && m.at >= from)) || found[0];
  next.row.text.focus();
  next.row.text.setSelectionRange(next.at, next.at + next.length);
  next.row.li.scrollIntoView({ block: "center" });
  findSay(`Match ${found.indexOf(next) + 1} of ${found.length}.`);
  return next;
}

function replaceOne() {
  const row = activeRow && rows.includes(activeRow) ? activeRow : null;
  const pattern = findPattern();
  if (row && pattern) {
    const selected = row.text.value.slice(row.text.selectionStart, row.text.selectionEnd);
    const single = new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace("g", ""));
    if (selected && single.test(selected)) {
      const at = row.text.selectionStart;
      row.text.value = row.text.value.slice(0, at) + byId("replace-text").value + row.text.value.slice(row.text.selectionEnd);
      changed(row);
      row.text.setSelectionRange(at + byId("replace-text").value.length, at + byId("replace-text").value.length);
    }
  }
  findNext();
}

function replaceAll() {
  const pattern = findPattern();
  if (!pattern) { findSay("Type what to find first."); return; }
  const replacement = byId("replace-text").value;
  let count = 0;
  for (const row of rows) {
    const before = row.text.value;
    const after = before.replace(pattern, () => { count += 1; return replacement; });
    if (after !== before) { row.text.value = after; changed(row); }
  }
  findSay(count ? `Replaced ${plural(count, "match")}; save to keep them.` : "No matches.");
}

async function addGlossaryRule() {
  const wrong = byId("find-text").value.trim();
  const right = byId("replace-text").value.trim();
  if (!wrong || !right) { findSay("Fill in both Find and Replace with to add a rule."); return; }
  const { ok, data } = await post("/api/glossary", { wrong, right });
  findSay(ok ? data.message : data.error);
}

// --- Saved versions: undo and redo across saves --------------------------------------------------

function redoStack() {
  try { return JSON.parse(sessionStorage.getItem(REDO_PREFIX + current.name) || "[]"); } catch (error) { return []; }
}

function setRedo(stack) {
  try { sessionStorage.setItem(REDO_PREFIX + current.name, JSON.stringify(stack)); } catch (error) { /* none */ }
}

function forgetRedo() { if (current) setRedo([]); }

async function loadVersions() {
  const { ok, data } = await fetchJSON(videoUrl("/history"));
  const list = byId("version-list");
  list.replaceChildren();
  if (!ok) { byId("versions-status").textContent = data.error; return []; }
  for (const version of data.versions) {
    const li = element("li");
    const when = new Date(version.saved_at * 1000).toLocaleString();
    li.append(element("span", {}, `Before the save at ${when}: ${plural(version.lines_differ, "line")} differ from now. `));
    const button = element("button", { type: "button", class: "secondary small",
      "aria-label": `Revert to this version (before the save at ${when})` }, "Revert to this version");
    button.addEventListener("click", () => revert(version.version, false));
    li.append(button);
    list.append(li);
  }
  if (!data.versions.length) list.append(element("li", {}, "No saved versions yet: each save here keeps the one before."));
  return data.versions;
}

async function revert(version, undoing) {
  if (!current || saving) return false;
  if (changeCount() && !window.confirm("Reverting drops your unsaved changes. Revert anyway?")) return false;
  saving = true;
  updateStatus();
  const before = current.edit_sha256;
  const { ok, data } = await post(videoUrl("/revert"), { base: current.edit_sha256, version });
  saving = false;
  if (!ok) { say("Not reverted."); byId("problem").textContent = data.error; return false; }
  clearDraft();
  renderVideo(data.video);
  say(data.message.replace(/^Saved/, "Reverted: saved"));
  if (data.build_error) byId("problem").textContent = data.build_error;
  if (!undoing) forgetRedo();
  await loadVersions();
  return before;
}

async function undoSave() {
  const versions = await loadVersions();
  if (!versions.length) { byId("versions-status").textContent = "No earlier version to go back to."; return; }
  const stack = redoStack();
  if (!(await revert(versions[0].version, true))) return;
  // The version just replaced is now the newest in the history: redo goes back to it.
  const after = await loadVersions();
  stack.push(after[0].version);
  setRedo(stack);
  byId("versions-status").textContent = "Undid the last save. Redo brings it back.";
}

async function redoSave() {
  const stack = redoStack();
  const version = stack.pop();
  if (!version) { byId("versions-status").textContent = "Nothing to redo."; return; }
  if (await revert(version, true)) {
    setRedo(stack);
    byId("versions-status").textContent = "Redone.";
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
  const alt = event.altKey && !event.ctrlKey && !event.metaKey;
  const take = (action) => { event.preventDefault(); action(); };
  if (alone && ((event.altKey && event.code === "KeyP") || (event.ctrlKey && !event.altKey && event.code === "Space"))) {
    take(togglePlay);
  } else if (alone && ((event.altKey && event.code === "KeyB") || (event.ctrlKey && !event.altKey && event.key === ","))) {
    take(() => { player.currentTime = Math.max(0, player.currentTime - BACK_SECONDS); });
  } else if ((event.ctrlKey || event.metaKey) && !event.altKey && event.code === "KeyS") {
    take(save);
  } else if (alt && event.code === "KeyN") {
    take(() => goToReview(event.shiftKey ? (reviewAt < 0 ? -1 : reviewAt - 1) : reviewAt + 1));
  } else if (alt && !event.shiftKey && event.code === "KeyJ") {
    take(withRow(mergeRow));
  } else if (alt && event.shiftKey && event.code === "Delete") {
    take(withRow(deleteRow));
  } else if (alt && !event.shiftKey && event.code === "KeyM") {
    take(withRow((row) => setMark(row, clock(player.currentTime || 0))));
  } else if (alt && !event.shiftKey && event.code === "KeyF") {
    take(() => { byId("find").open = true; byId("find-text").focus(); });
  }
});

window.addEventListener("beforeunload", (event) => {
  keepDraft();
  if (current && changeCount()) event.preventDefault();
});

byId("save").addEventListener("click", save);
byId("review-next").addEventListener("click", () => goToReview(reviewAt + 1));
byId("review-previous").addEventListener("click", () => goToReview(reviewAt < 0 ? -1 : reviewAt - 1));
byId("tool-split").addEventListener("click", withRow(splitRow));
byId("tool-merge").addEventListener("click", withRow(mergeRow));
byId("tool-insert").addEventListener("click", withRow((row) => focusText(insertRow(row, "", "", ""))));
byId("tool-sound").addEventListener("click", withRow(insertSound));
byId("tool-delete").addEventListener("click", withRow(deleteRow));
byId("tool-mark").addEventListener("click", withRow((row) => setMark(row, clock(player.currentTime || 0))));
byId("mark-input").addEventListener("change", withRow((row) => {
  if (!setMark(row, byId("mark-input").value)) byId("mark-input").value = row.mark ? row.mark.slice(1, -1) : "";
}));
// The line tools act on the line last focused: keep it while focus is in the toolbar.
byId("line-tools").addEventListener("mousedown", (event) => { if (event.target.tagName === "BUTTON") event.preventDefault(); });
byId("find-next").addEventListener("click", findNext);
byId("replace-one").addEventListener("click", replaceOne);
byId("replace-all").addEventListener("click", replaceAll);
byId("glossary-add").addEventListener("click", addGlossaryRule);
byId("find-text").addEventListener("input", () => {
  const count = matches().length;
  findSay(byId("find-text").value ? `${plural(count, "match")}.` : "");
});
byId("versions").addEventListener("toggle", () => { if (byId("versions").open) loadVersions(); });
byId("undo-save").addEventListener("click", undoSave);
byId("redo-save").addEventListener("click", redoSave);
byId("merge-apply").addEventListener("click", applyMerge);
byId("merge-cancel").addEventListener("click", () => { hideMerge(); byId("save").focus(); });

function route() {
  const match = location.hash.match(/^#\/(.+)$/);
  if (match) showVideo(decodeURIComponent(match[1])); else showList();
}

window.addEventListener("hashchange", () => {
  // In-app navigation with unsaved changes asks first (they are kept in this browser either way).
  if (current && location.hash !== `#/${encodeURIComponent(current.name)}` && !confirmLeave()) {
    history.replaceState(null, "", lastHash);
    return;
  }
  lastHash = location.hash;
  navigated = true;
  route();
});
route();

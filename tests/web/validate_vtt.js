// Runs the W3C reference WebVTT parser (npm webvtt-parser, CC0) on each file named on the
// command line and prints one JSON line per file: its cue count and every error it reports.
const fs = require("fs");
const path = require("path");
const { WebVTTParser } = require("webvtt-parser");

const entities = JSON.parse(
  fs.readFileSync(path.join(path.dirname(require.resolve("webvtt-parser")), "html-entities.json"), "utf8"));
const parser = new WebVTTParser(entities);
for (const file of process.argv.slice(2)) {
  const tree = parser.parse(fs.readFileSync(file, "utf8"));
  console.log(JSON.stringify({
    file,
    cues: tree.cues.length,
    errors: tree.errors.map((e) => ({ line: e.line, col: e.col, message: e.message })),
  }));
}

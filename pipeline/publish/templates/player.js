(function () {
  "use strict";
  // Each paragraph plays the video from its start: in place where the page has the video,
  // otherwise through its time link to the preview page. Without JavaScript the links still work.
  document.documentElement.classList.add("js");
  var video = document.querySelector("video");
  var paragraphs = Array.prototype.slice.call(document.querySelectorAll(".transcript [data-start]"));
  var startOf = function (paragraph) { return parseFloat(paragraph.getAttribute("data-start")); };

  function playFrom(seconds) {
    video.currentTime = seconds;
    var playing = video.play();
    if (playing) playing.catch(function () {});  // autoplay refused: the video waits at that time
  }

  paragraphs.forEach(function (paragraph) {
    var link = paragraph.querySelector("a.time");
    paragraph.addEventListener("click", function (event) {
      if (String(window.getSelection())) return;  // selecting words to copy them is not a request to play
      if (video) {
        event.preventDefault();
        history.replaceState(null, "", "#t=" + startOf(paragraph));
        playFrom(startOf(paragraph));
      } else if (link && !link.contains(event.target)) {
        link.click();
      }
    });
  });
  if (!video) return;

  var hint = document.getElementById("transcript-hint");
  if (hint) hint.hidden = false;
  var asked = /^#t=(\d+(?:\.\d+)?)$/.exec(location.hash);
  if (asked) playFrom(parseFloat(asked[1]));
  video.addEventListener("timeupdate", function () {
    var current = null;
    paragraphs.forEach(function (paragraph) { if (startOf(paragraph) <= video.currentTime + 0.05) current = paragraph; });
    paragraphs.forEach(function (paragraph) { paragraph.classList.toggle("playing", paragraph === current); });
  });
})();

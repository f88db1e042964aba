/* Banana's episode page: seeking and the line being spoken.
 *
 * The page reads without this file. With it:
 *  - "#t=SECONDS" (or #t=h:mm:ss) in the address opens the page at that moment: the
 *    player seeks there and the line said then is marked and scrolled into view;
 *  - a chapter, a time, or a transcript line, when selected, seeks there and plays;
 *  - while the audio plays, the line being spoken is marked (aria-current).
 * Nothing here writes HTML: it only moves the player and toggles classes.
 */
(function () {
  "use strict";

  var audio = document.getElementById("player");
  var list = document.getElementById("lines");
  var lines = list ? Array.prototype.slice.call(list.querySelectorAll("li[data-start]")) : [];
  var starts = lines.map(function (li) { return parseFloat(li.getAttribute("data-start")) || 0; });
  var chapters = Array.prototype.slice.call(document.querySelectorAll(".chapters li"));
  var chapterStarts = chapters.map(function (li) {
    var a = li.querySelector("[data-seek]");
    return a ? parseFloat(a.getAttribute("data-seek")) || 0 : 0;
  });
  var current = -1;
  var currentChapter = -1;

  function parseTime(text) {
    if (!text) return null;
    try { text = decodeURIComponent(text); } catch (e) { return null; }
    if (/^\d+(\.\d+)?$/.test(text)) return parseFloat(text);
    var m = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(text);
    if (!m) return null;
    return parseInt(m[1] || "0", 10) * 3600 + parseInt(m[2], 10) * 60 + parseFloat(m[3]);
  }

  function hashTime(hash) {
    var m = /^#(?:.*&)?t=([^&]*)/.exec(hash || "");
    return m ? parseTime(m[1]) : null;
  }

  // The last item starting at or before t (0 when t is before them all).
  function indexAt(list, t) {
    var lo = 0, hi = list.length - 1, found = 0;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid] <= t + 0.1) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function mark(t, scroll) {
    if (chapters.length) {
      var c = indexAt(chapterStarts, t);
      if (c !== currentChapter) {
        if (currentChapter >= 0) chapters[currentChapter].classList.remove("current");
        chapters[c].classList.add("current");
        currentChapter = c;
      }
    }
    if (!lines.length) return;
    var i = indexAt(starts, t);
    if (i !== current) {
      if (current >= 0) {
        lines[current].classList.remove("current");
        lines[current].removeAttribute("aria-current");
      }
      lines[i].classList.add("current");
      lines[i].setAttribute("aria-current", "true");
      current = i;
    }
    if (scroll) lines[i].scrollIntoView({ block: "center" });
  }

  function seek(t, play) {
    mark(t, true);
    if (!audio) return;
    var go = function () {
      try { audio.currentTime = t; } catch (e) { return; }
      if (play) {
        var started = audio.play();
        if (started && started.catch) started.catch(function () {});
      }
    };
    if (audio.readyState >= 1) {
      go();
    } else {
      audio.addEventListener("loadedmetadata", go, { once: true });
      if (audio.networkState === 0 || audio.preload === "none") audio.load();
    }
  }

  function remember(t) {
    var shown = String(Math.floor(t * 10) / 10);
    if (history.replaceState) history.replaceState(null, "", "#t=" + shown);
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    var target = event.target;
    var link = target.closest ? target.closest("a[href^='#t=']") : null;
    if (link) {
      var t = hashTime(link.getAttribute("href"));
      if (t === null) return;
      event.preventDefault();
      remember(t);
      seek(t, true);
      return;
    }
    var line = target.closest ? target.closest("#lines li[data-start]") : null;
    if (line && !(target.closest && target.closest("a"))) {
      var selection = window.getSelection ? String(window.getSelection()) : "";
      if (selection) return;  // selecting text to copy it is not a request to play
      var at = parseFloat(line.getAttribute("data-start")) || 0;
      remember(at);
      seek(at, true);
    }
  });

  window.addEventListener("hashchange", function () {
    var t = hashTime(location.hash);
    if (t !== null) seek(t, true);
  });

  if (audio) {
    audio.addEventListener("timeupdate", function () { mark(audio.currentTime, false); });
  }

  var first = hashTime(location.hash);
  if (first !== null) seek(first, false);
})();

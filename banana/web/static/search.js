/* The static site's search: Pagefind's index, read in the browser.
 *
 * Each episode page is one Pagefind page whose transcript lines carry ids
 * "u<turn>-<milliseconds>"; Pagefind reports them as anchors with their word positions.
 * A result is shown at its best moment: the run of words with the most matches, the
 * line it starts in (so its time), and the words around it with the matches marked.
 * Every piece of text is set with textContent: nothing from the index becomes HTML.
 */
const RESULTS_SHOWN = 10;
const WINDOW_WORDS = 30;  // matches this close together count as one moment
const LEAD_WORDS = 8;  // words shown before the first match
const SNIPPET_WORDS = 36;

const form = document.getElementById("search-form");
const input = document.getElementById("q");
const status = document.getElementById("status");
const list = document.getElementById("results");
const root = new URL(document.body.dataset.root || "./", location.href);
let pagefind = null;
let running = 0;

function clock(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

// The best moment of a page: the run of WINDOW_WORDS words whose matched words weigh
// most. A matched word weighs Pagefind's balanced score divided by how often that word
// matches in the page, and each different word counts once in a run: so the one place
// a rare word is said beside the others beats a common word said five times.
// Returns [the run's first matched position, every matched position].
function bestWindow(data) {
  const words = (data.content || "").split(/\s+/);
  const found = (data.weighted_locations || []).map((w) => [w.location, w.balanced_score || w.weight || 1]);
  if (!found.length) for (const at of data.locations || []) found.push([at, 1]);
  found.sort((a, b) => a[0] - b[0]);
  const word = (at) => (words[at] || "").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
  const often = new Map();
  for (const [at] of found) often.set(word(at), (often.get(word(at)) || 0) + 1);
  let best = 0, bestScore = -1;
  for (let i = 0; i < found.length; i++) {
    const seen = new Map();
    for (let j = i; j < found.length && found[j][0] < found[i][0] + WINDOW_WORDS; j++) {
      const w = word(found[j][0]);
      seen.set(w, Math.max(seen.get(w) || 0, found[j][1] / often.get(w)));
    }
    let score = 0;
    for (const value of seen.values()) score += value;
    if (score > bestScore * (1 + 1e-9)) { best = i; bestScore = score; }
  }
  const matched = new Set(found.map((f) => f[0]));
  return found.length ? [found[best][0], matched] : [0, matched];
}

function momentOf(data, at) {
  let seconds = 0;
  for (const anchor of data.anchors || []) {
    const m = /^u\d+-(\d+)$/.exec(anchor.id || "");
    if (m && anchor.location <= at) seconds = parseInt(m[1], 10) / 1000;
  }
  return seconds;
}

function snippet(data, at, matched) {
  const words = (data.content || "").split(/\s+/);
  const from = Math.max(0, at - LEAD_WORDS);
  const p = document.createElement("p");
  p.className = "snippet";
  if (from > 0) p.append("… ");
  words.slice(from, from + SNIPPET_WORDS).forEach((word, k) => {
    if (k) p.append(" ");
    if (matched.has(from + k)) {
      const mark = document.createElement("mark");
      mark.textContent = word;
      p.append(mark);
    } else {
      p.append(word);
    }
  });
  if (from + SNIPPET_WORDS < words.length) p.append(" …");
  return p;
}

function render(data) {
  const [at, matched] = bestWindow(data);
  const seconds = momentOf(data, at);
  const href = new URL(String(data.url || "").replace(/^\//, ""), root);
  href.hash = `t=${Math.floor(seconds * 10) / 10}`;
  const li = document.createElement("li");
  li.className = "hit";
  const h2 = document.createElement("h2");
  const title = document.createElement("a");
  title.className = "moment";
  title.href = href.href;
  title.dataset.start = String(seconds);
  title.textContent = (data.meta && data.meta.title) || data.url;
  h2.append(title);
  const meta = document.createElement("p");
  meta.className = "meta";
  const stamp = document.createElement("a");
  stamp.className = "ts";
  stamp.href = href.href;
  stamp.textContent = clock(seconds);
  meta.append(stamp);
  li.append(h2, meta, snippet(data, at, matched));
  return li;
}

async function run(query) {
  const mine = ++running;
  list.replaceChildren();
  if (!query.trim()) { status.textContent = ""; return; }
  status.textContent = "Searching…";
  try {
    if (!pagefind) {
      pagefind = await import(new URL("pagefind/pagefind.js", root).href);
      await pagefind.options({ excerptLength: SNIPPET_WORDS });
    }
    const found = await pagefind.search(query);
    if (mine !== running) return;
    const results = await Promise.all(found.results.slice(0, RESULTS_SHOWN).map((r) => r.data()));
    if (mine !== running) return;
    list.replaceChildren(...results.map(render));
    const n = found.results.length;
    status.textContent = n === 0 ? `No matches for “${query}”.`
      : n > RESULTS_SHOWN ? `${RESULTS_SHOWN} of ${n} episodes` : `${n} episode${n === 1 ? "" : "s"}`;
  } catch (error) {
    status.textContent = "The search index could not be loaded (open the site through a web server).";
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = input.value;
  const url = new URL(location.href);
  url.search = query ? `?q=${encodeURIComponent(query)}` : "";
  history.replaceState(null, "", url.href);
  run(query);
});

const initial = new URLSearchParams(location.search).get("q") || "";
if (initial) {
  input.value = initial;
  run(initial);
}

// Batches work into one animation frame: at 100 trades a second the DOM is
// touched at most once per frame, whatever the number of messages.

const pending = new Map(); // key -> callback; the latest callback per key wins
let scheduled = false;

function flush() {
  scheduled = false;
  const jobs = [...pending.values()];
  pending.clear();
  for (const job of jobs) {
    try { job(); } catch (err) { console.error(err); }
  }
}

/** Runs `fn` on the next animation frame, once per `key` however often it is asked. */
export function onFrame(key, fn) {
  pending.set(key, fn);
  if (!scheduled) {
    scheduled = true;
    // Hidden tabs get no animation frames; a timer keeps state current there.
    if (document.hidden) setTimeout(flush, 250);
    else requestAnimationFrame(flush);
  }
}

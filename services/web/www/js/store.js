// Recent trades per product, newest last, each trade once (by trade_id).
// Filled from /api/trades when a view first needs a product and again after
// every websocket reconnect, and from live trades in between; views are told
// about new trades once per animation frame.
import * as live from './live.js';
import { fetchTrades } from './api.js';
import { compareId } from './decimal.js';
import { onFrame } from './frame.js';

const KEEP = 1000; // trades kept per product (the services' default HISTORY_LEN)

const products = new Map(); // id -> { trades, ids, limit, loading, loaded, error, fresh }
const watchers = new Map(); // id -> Set of fn(added, entry)

function entry(id) {
  let e = products.get(id);
  if (!e) {
    e = { trades: [], ids: new Set(), limit: 0, loaded: false, error: null, fresh: [] };
    products.set(id, e);
  }
  return e;
}

/** Adds trades (any order); returns how many were new. */
function merge(id, list) {
  const e = entry(id);
  let added = 0;
  for (const t of list) {
    if (!t || typeof t.trade_id !== 'string' || e.ids.has(t.trade_id)) continue;
    // Older than everything in a full window: it was seen and let go already.
    if (e.trades.length >= KEEP && compareId(t.trade_id, e.trades[0].trade_id) < 0) continue;
    e.ids.add(t.trade_id);
    const tr = e.trades;
    if (!tr.length || compareId(tr[tr.length - 1].trade_id, t.trade_id) < 0) tr.push(t);
    else {
      // Older than the newest one held (history after a reconnect): insert in order.
      let lo = 0, hi = tr.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareId(tr[mid].trade_id, t.trade_id) < 0) lo = mid + 1; else hi = mid;
      }
      tr.splice(lo, 0, t);
    }
    e.fresh.push(t);
    added++;
  }
  while (e.trades.length > KEEP) e.ids.delete(e.trades.shift().trade_id);
  if (added) notify(id);
  return added;
}

function notify(id) {
  onFrame('store:' + id, () => {
    const e = products.get(id);
    if (!e) return;
    const fresh = e.fresh;
    e.fresh = [];
    for (const fn of watchers.get(id) || []) fn(fresh, e);
  });
}

async function load(id, limit) {
  const e = entry(id);
  try {
    const newestFirst = await fetchTrades(id, limit);
    e.error = null;
    merge(id, newestFirst.slice().reverse());
  } catch (err) {
    e.error = err.message;
  }
  e.loaded = true;
  notify(id);
}

/**
 * Watches a product: `fn(added, entry)` runs once per frame with the trades
 * that arrived since the last call (entry.trades holds all of them, oldest
 * first). Subscribes on the websocket first, then reads the history, so no
 * trade falls between the two. Returns the function that stops watching.
 */
export function watch(id, limit, fn) {
  const e = entry(id);
  if (!watchers.has(id)) watchers.set(id, new Set());
  watchers.get(id).add(fn);
  live.acquire([id]);
  if (limit > e.limit) {
    e.limit = limit;
    load(id, limit);
  } else {
    notify(id);
  }
  return () => {
    const set = watchers.get(id);
    set.delete(fn);
    live.release([id]);
    if (!set.size) { watchers.delete(id); products.delete(id); }
  };
}

/** The newest trade held for a product, or undefined. */
export function latest(id) {
  const e = products.get(id);
  return e && e.trades[e.trades.length - 1];
}

live.on('trade', (t) => {
  const id = `${t.exchange}:${t.pair}`;
  if (watchers.has(id)) merge(id, [t]);
});

// Trades published while the websocket was down are in the history lists:
// fetch them again and keep the ones not seen (matched by trade_id).
live.on('reconnect', () => {
  for (const [id, e] of products) if (watchers.has(id)) load(id, e.limit);
});

// The one websocket to /ws: subscriptions counted per product (several views
// may want the same one), reconnection with capped exponential backoff and
// jitter, and events for trades, exchange status and the connection itself.

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;
const STABLE_MS = 10000; // a connection up this long resets the backoff

const wanted = new Map(); // product id -> number of holders
const listeners = { trade: new Set(), status: new Set(), state: new Set(), reconnect: new Set() };
let ws = null;
let attempt = 0;
let openedAt = 0;
let everOpened = false;
let retryTimer = null;

/** Current state for display: { state: 'connecting'|'open'|'closed', retryAt, subscribed }. */
export const connection = { state: 'connecting', retryAt: 0, subscribed: new Set() };

export function on(event, fn) {
  listeners[event].add(fn);
  return () => listeners[event].delete(fn);
}

function emit(event, ...args) {
  for (const fn of listeners[event]) {
    try { fn(...args); } catch (err) { console.error(err); }
  }
}

function send(msg) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

/** Holds a subscription to each product until the matching release(). */
export function acquire(products) {
  const added = [];
  for (const p of products) {
    const n = wanted.get(p) || 0;
    wanted.set(p, n + 1);
    if (n === 0) added.push(p);
  }
  if (added.length) send({ type: 'subscribe', products: added });
}

export function release(products) {
  const removed = [];
  for (const p of products) {
    const n = wanted.get(p) || 0;
    if (n <= 1) { wanted.delete(p); if (n === 1) removed.push(p); }
    else wanted.set(p, n - 1);
  }
  if (removed.length) send({ type: 'unsubscribe', products: removed });
}

export const wantedProducts = () => [...wanted.keys()];

/**
 * Subscribes again to wanted products that the service did not confirm and
 * that `known` (a Set of ids) now holds: it refuses products no ingest service
 * announces, and a service started after the page announces them later.
 */
export function resubscribeMissing(known) {
  const missing = [...wanted.keys()].filter((p) => known.has(p) && !connection.subscribed.has(p));
  if (missing.length) send({ type: 'subscribe', products: missing });
}

function setState(state) {
  connection.state = state;
  emit('state', connection);
}

function connect() {
  retryTimer = null;
  const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
  setState('connecting');
  ws = new WebSocket(url);
  ws.onopen = () => {
    openedAt = Date.now();
    if (wanted.size) send({ type: 'subscribe', products: [...wanted.keys()] });
    setState('open');
    // After a reconnect the views fetch what they missed from /api/trades.
    if (everOpened) emit('reconnect');
    everOpened = true;
  };
  ws.onmessage = (ev) => {
    let msg;
    try { msg = JSON.parse(ev.data); } catch { return; }
    if (msg.type === 'trade' && msg.trade) emit('trade', msg.trade);
    else if (msg.type === 'status' && msg.exchange) emit('status', msg.exchange);
    else if (msg.type === 'subscribed' && Array.isArray(msg.products)) {
      connection.subscribed = new Set(msg.products);
      emit('state', connection);
    } else if (msg.type === 'error') console.warn('web service:', msg.error);
  };
  ws.onclose = () => {
    ws = null;
    connection.subscribed = new Set();
    if (openedAt && Date.now() - openedAt > STABLE_MS) attempt = 0;
    openedAt = 0;
    // Capped exponential backoff, each delay drawn from its upper half.
    const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
    const delay = cap / 2 + Math.random() * (cap / 2);
    attempt = Math.min(attempt + 1, 10);
    connection.retryAt = Date.now() + delay;
    setState('closed');
    retryTimer = setTimeout(connect, delay);
  };
}

/** Opens the connection (once). */
export function start() {
  if (!ws && !retryTimer) connect();
}

/** Reconnects at once (the user asked for it). */
export function retryNow() {
  if (retryTimer) { clearTimeout(retryTimer); connect(); }
}

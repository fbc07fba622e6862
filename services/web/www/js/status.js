// Always-visible status: each exchange's ingest service (live, connecting,
// reconnecting, stopped, or stale when live but silent) and the page's own
// websocket to the web service.
import * as live from './live.js';
import { fetchStatus } from './api.js';
import { h, setText } from './dom.js';
import { exchangeName, formatAge, formatDateTime, parseTime } from './format.js';

const STALE_MS = 45000; // Bitstamp is only asked for a heartbeat every 15 s
const POLL_MS = 5000;

const exchanges = new Map(); // name -> status hash
const statusListeners = new Set();
let bar = null;

/** The state to show: the service's own, or 'stale' when live but silent. */
export function displayState(s, now = Date.now()) {
  if (s.state === 'live') {
    const last = parseTime(s.last_message_at);
    if (last && now - last.getTime() > STALE_MS) return 'stale';
  }
  return s.state || 'unknown';
}

export const exchangeStatus = (name) => exchanges.get(name);

/** Calls fn(exchanges) whenever a status changes. */
export function onStatus(fn) {
  statusListeners.add(fn);
  return () => statusListeners.delete(fn);
}

function update(list) {
  for (const s of list) if (s && typeof s.exchange === 'string') exchanges.set(s.exchange, { ...exchanges.get(s.exchange), ...s });
  render();
  for (const fn of statusListeners) fn(exchanges);
}

function render() {
  if (!bar) return;
  const now = Date.now();
  const names = [...exchanges.keys()].sort();
  const badges = bar.querySelector('.exchanges');
  for (const name of names) {
    const s = exchanges.get(name);
    let el = badges.querySelector(`[data-exchange="${CSS.escape(name)}"]`);
    if (!el) {
      el = h('li', { class: 'badge', dataset: { exchange: name } },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h('span', { class: 'name', text: exchangeName(name) }), ' ',
        h('span', { class: 'state' }),
        h('span', { class: 'gaps' }));
      badges.append(el);
    }
    const state = displayState(s, now);
    el.dataset.state = state;
    setText(el.querySelector('.state'), state);
    // Gaps the service could not fill (README, "Reliability"): never hidden.
    const gaps = Number(s.gaps) || 0;
    el.dataset.gaps = String(gaps);
    setText(el.querySelector('.gaps'), gaps ? ` · ${gaps} gap${gaps === 1 ? '' : 's'}` : '');
    el.title = `${exchangeName(name)}: ${state} since ${formatDateTime(s.since) || '?'}; ` +
      `last message ${formatAge(s.last_message_at, now)}; ${s.trades || 0} trades, ` +
      `${s.reconnects || 0} reconnects, ${gaps} unfilled gaps since the service started`;
  }
  if (!names.length) setText(badges, '');
  renderConnection();
}

function renderConnection() {
  if (!bar) return;
  const el = bar.querySelector('.connection');
  const c = live.connection;
  el.dataset.state = c.state;
  el.dataset.subscribed = [...c.subscribed].join(' ');
  const text = c.state === 'open' ? 'updates live'
    : c.state === 'connecting' ? 'connecting…'
    : `offline, retrying in ${Math.max(1, Math.ceil((c.retryAt - Date.now()) / 1000))} s`;
  setText(el.querySelector('.state'), text);
}

async function poll() {
  try { update(await fetchStatus()); } catch { /* shown by the connection badge */ }
}

/** Builds the status bar into `el` and keeps it current. */
export function mountStatusBar(el) {
  bar = el;
  el.append(
    h('ul', { class: 'exchanges', 'aria-label': 'Exchanges' }),
    h('button', { class: 'connection badge', type: 'button', title: 'Connection to the web service; click to reconnect now', onclick: () => live.retryNow() },
      h('span', { class: 'dot', 'aria-hidden': 'true' }), h('span', { class: 'state' })));
  live.on('status', (s) => update([s]));
  live.on('state', renderConnection);
  live.on('reconnect', poll);
  poll();
  setInterval(() => { poll(); }, POLL_MS);
  setInterval(renderConnection, 1000);
}

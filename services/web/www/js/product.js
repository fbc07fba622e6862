// The product page /products/<exchange>:<PAIR>: candles with volume (width
// selectable, built from the history and extended live), the latest trades,
// and the live price in the tab's title.
import { h, setText } from './dom.js';
import * as store from './store.js';
import { coinIcon } from './widget.js';
import { createChart, chartLib, priceFormatFor, seconds } from './chart.js';
import { compareId } from './decimal.js';
import { loadCatalog, findProduct } from './catalog.js';
import {
  coinName, exchangeName, formatDateTime, formatPrice, formatTime, parseProductId, parseTime,
} from './format.js';

const INTERVALS = [['1m', 60], ['5m', 300], ['15m', 900], ['1h', 3600]];
const TABLE_ROWS = 50;
const HISTORY = 1000;

export function mountProduct(root, id) {
  const p = parseProductId(id);
  if (!p) {
    document.title = 'Unknown product · Poeticoins';
    root.append(h('p', { class: 'hint' }, `"${id}" is not a product name (expected exchange:BASE-QUOTE).`));
    return;
  }
  const label = `${coinName(p.base)} (${p.base}) · ${p.quote}`;
  const price = h('div', { class: 'price big' }, '—');
  const time = h('time', { class: 'traded-at' });
  const note = h('p', { class: 'placeholder', text: 'Loading trades…' });
  const chartBox = h('div', { class: 'chart', role: 'img', 'aria-label': `Price and volume chart of ${p.pair} on ${exchangeName(p.exchange)}` });
  const intervalButtons = INTERVALS.map(([name, secs], i) => h('button', {
    type: 'button', 'aria-pressed': String(i === 0), dataset: { seconds: String(secs) },
    onclick: () => setInterval_(secs),
  }, name));
  const tbody = h('tbody');
  const table = h('table', { class: 'trades' },
    h('caption', null, 'Latest trades (newest first)'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Time'), h('th', { scope: 'col' }, `Price (${p.quote})`),
      h('th', { scope: 'col' }, `Volume (${p.base})`), h('th', { scope: 'col' }, 'Side'))),
    tbody);

  root.append(
    h('section', { class: 'product', dataset: { product: id } },
      h('header', { class: 'product-head' },
        coinIcon(p.base, 'lg'),
        h('div', null,
          h('h1', null, label),
          h('p', { class: 'meta' }, 'on ', h('span', { class: 'exchange', text: exchangeName(p.exchange) }),
            ' · ', h('a', { href: `/compare/${p.pair}` }, `compare ${p.pair} across exchanges`),
            ' · ', h('a', { href: `/?products=${id}` }, 'dashboard with only this'))),
        h('div', { class: 'live' }, price, time)),
      note,
      h('div', { class: 'chart-panel' },
        h('div', { class: 'intervals', role: 'group', 'aria-label': 'Candle width' }, intervalButtons),
        chartBox),
      h('div', { class: 'table-wrap' }, table)));

  document.title = `${p.pair} · ${exchangeName(p.exchange)} · Poeticoins`;
  loadCatalog().then(() => {
    if (!findProduct(id)) setText(note, `${id} is not announced by any exchange right now.`);
  }).catch(() => {});

  let width = INTERVALS[0][1];
  let chart = null, candleSeries = null, volumeSeries = null;
  let candles = new Map(); // bucket start (s) -> candle
  let entryRef = null;
  let topId = null; // trade_id of the first table row

  function bucketOf(t) {
    const d = parseTime(t.traded_at);
    return d ? Math.floor(seconds(d) / width) * width : null;
  }

  // Adds a trade to its candle; returns the bucket, or null.
  function addToCandle(t) {
    const b = bucketOf(t);
    const v = Number(t.price), vol = Number(t.volume);
    if (b === null || !Number.isFinite(v)) return null;
    let c = candles.get(b);
    if (!c) {
      c = { time: b, open: v, high: v, low: v, close: v, volume: 0, openId: t.trade_id, closeId: t.trade_id };
      candles.set(b, c);
    } else {
      c.high = Math.max(c.high, v);
      c.low = Math.min(c.low, v);
      if (compareId(t.trade_id, c.openId) < 0) { c.open = v; c.openId = t.trade_id; }
      if (compareId(t.trade_id, c.closeId) > 0) { c.close = v; c.closeId = t.trade_id; }
    }
    if (Number.isFinite(vol)) c.volume += vol;
    return b;
  }

  const volumeBar = (c) => ({
    time: c.time, value: c.volume,
    color: c.close >= c.open ? 'rgba(22,163,74,0.45)' : 'rgba(220,38,38,0.45)',
  });

  function setChartData() {
    if (!chart) return;
    const list = [...candles.values()].sort((a, b) => a.time - b.time);
    candleSeries.setData(list.map(({ time, open, high, low, close }) => ({ time, open, high, low, close })));
    volumeSeries.setData(list.map(volumeBar));
  }

  function rebuildCandles() {
    candles = new Map();
    for (const t of entryRef ? entryRef.trades : []) addToCandle(t);
    setChartData();
  }

  function setInterval_(secs) {
    width = secs;
    intervalButtons.forEach((b) => b.setAttribute('aria-pressed', String(Number(b.dataset.seconds) === secs)));
    rebuildCandles();
    fit();
  }

  // Few candles keep their normal width at the right edge; many fill the view.
  function fit() {
    if (!chart) return;
    const scale = chart.timeScale();
    if (candles.size * 12 > chartBox.clientWidth) return scale.fitContent();
    scale.applyOptions({ barSpacing: 12 });
    scale.scrollToRealTime();
  }

  function row(t) {
    return h('tr', { dataset: { tradeId: t.trade_id } },
      h('td', null, h('time', { datetime: t.traded_at, title: formatDateTime(t.traded_at) }, formatTime(t.traded_at))),
      h('td', { class: 'num', dataset: { price: t.price } }, formatPrice(t.price, p.quote)),
      h('td', { class: 'num' }, t.volume),
      h('td', { class: `side ${t.side === 'buy' ? 'buy' : 'sell'}` }, t.side));
  }

  function renderTable(added, entry) {
    const newest = entry.trades[entry.trades.length - 1];
    const onlyNewer = topId !== null && added.every((t) => compareId(t.trade_id, topId) > 0);
    if (onlyNewer && added.length < TABLE_ROWS) {
      const rows = added.slice().sort((a, b) => compareId(b.trade_id, a.trade_id)).map(row);
      tbody.prepend(...rows);
      while (tbody.rows.length > TABLE_ROWS) tbody.lastElementChild.remove();
    } else {
      tbody.replaceChildren(...entry.trades.slice(-TABLE_ROWS).reverse().map(row));
    }
    topId = newest ? newest.trade_id : null;
  }

  let firstRender = true;
  function render(added, entry) {
    entryRef = entry;
    const last = entry.trades[entry.trades.length - 1];
    if (!last) {
      setText(note, entry.error ? entry.error : entry.loaded
        ? 'No trades yet for this product: the price, chart and table fill in with the first trade.'
        : 'Loading trades…');
      return;
    }
    setText(note, '');
    price.dataset.price = last.price;
    setText(price, formatPrice(last.price, p.quote));
    time.dateTime = last.traded_at;
    setText(time, formatTime(last.traded_at));
    document.title = `${formatPrice(last.price, p.quote)} ${p.pair} · ${exchangeName(p.exchange)} · Poeticoins`;
    if (added.length || firstRender) renderTable(added, entry);
    if (!chart) return;
    if (firstRender) {
      candleSeries.applyOptions({ priceFormat: priceFormatFor(last.price) });
      rebuildCandles();
      fit();
      firstRender = false;
      return;
    }
    // Live trades extend the last candle or start a new one; a trade for an
    // older candle (history fetched after a reconnect) redraws them all.
    const lastTime = Math.max(...candles.keys(), -Infinity);
    let redraw = false;
    const touched = new Set();
    for (const t of added) {
      const b = addToCandle(t);
      if (b === null) continue;
      if (b < lastTime) redraw = true;
      touched.add(b);
    }
    if (redraw) return setChartData();
    for (const b of [...touched].sort((a, c) => a - c)) {
      const c = candles.get(b);
      candleSeries.update({ time: c.time, open: c.open, high: c.high, low: c.low, close: c.close });
      volumeSeries.update(volumeBar(c));
    }
  }

  chartLib().then(async (lib) => {
    chart = await createChart(chartBox, { timeScale: { barSpacing: 12, rightOffset: 2 } });
    candleSeries = chart.addSeries(lib.CandlestickSeries, {
      upColor: '#16a34a', downColor: '#dc2626', borderVisible: false,
      wickUpColor: '#16a34a', wickDownColor: '#dc2626',
    });
    candleSeries.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.28 } });
    volumeSeries = chart.addSeries(lib.HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: 'volume', lastValueVisible: false, priceLineVisible: false });
    volumeSeries.priceScale().applyOptions({ scaleMargins: { top: 0.78, bottom: 0 } });
    chartBox.dataset.ready = '1';
    store.watch(id, HISTORY, render);
  }).catch((err) => {
    chartBox.append(h('p', { class: 'placeholder' }, `Chart unavailable: ${err.message}`));
    store.watch(id, HISTORY, render);
  });
}

// The comparison view /compare/<PAIR>: one pair on every exchange that
// offers it, side by side, with the spread between the highest and the
// lowest last price (exact decimals) and one chart with a line per exchange.
import { h, setText } from './dom.js';
import * as store from './store.js';
import { createWidget } from './widget.js';
import { createChart, chartLib, priceFormatFor, seconds } from './chart.js';
import { compareDecimal, percentChange, subtractDecimal } from './decimal.js';
import { catalog, loadCatalog } from './catalog.js';
import { coinName, exchangeName, formatPrice, parseTime } from './format.js';

const COLORS = ['#2563eb', '#d97706', '#7c3aed', '#0891b2'];
const HISTORY = 300;

export function mountCompare(root, pairArg) {
  const select = h('select', { id: 'compare-pair' });
  const cards = h('div', { class: 'grid compare-cards' });
  const spread = h('div', { class: 'spread', 'aria-live': 'polite' });
  const chartBox = h('div', { class: 'chart', role: 'img', 'aria-label': 'Prices on each exchange' });
  const legend = h('ul', { class: 'legend' });
  const title = h('h1');
  root.append(h('section', { class: 'compare' },
    h('div', { class: 'toolbar' },
      h('form', { class: 'add', onsubmit: (ev) => ev.preventDefault() },
        h('label', { for: 'compare-pair' }, 'Compare'), select)),
    title, spread, cards,
    h('div', { class: 'chart-panel' }, legend, chartBox)));

  let pair = pairArg;
  select.addEventListener('change', () => {
    if (select.value && select.value !== pair) location.assign(`/compare/${select.value}`);
  });

  loadCatalog().catch(() => []).then(() => {
    // Pairs offered by more than one exchange first; those are worth comparing.
    const exchangesOf = new Map();
    for (const p of catalog()) {
      if (!exchangesOf.has(p.pair)) exchangesOf.set(p.pair, []);
      exchangesOf.get(p.pair).push(p.exchange);
    }
    const pairs = [...exchangesOf.keys()].sort((a, b) =>
      (exchangesOf.get(b).length > 1) - (exchangesOf.get(a).length > 1) || a.localeCompare(b));
    if (!pair) {
      pair = pairs[0] || 'BTC-USD';
      history.replaceState(null, '', `/compare/${pair}`);
    }
    for (const x of pairs) {
      const [base, quote] = x.split('-');
      select.append(h('option', { value: x }, `${coinName(base)} (${base}) · ${quote} — ${exchangesOf.get(x).length} exchange(s)`));
    }
    select.value = pair;
    const [base, quote] = pair.split('-');
    document.title = `${pair} across exchanges · Poeticoins`;
    setText(title, `${coinName(base)} (${base}) · ${quote} across exchanges`);
    const ids = (exchangesOf.get(pair) || []).sort().map((ex) => `${ex}:${pair}`);
    if (!ids.length) {
      setText(spread, `No exchange offers ${pair} right now.`);
      return;
    }
    show(ids, quote);
  });

  function show(ids, quote) {
    const latest = new Map();
    for (const id of ids) cards.append(createWidget(id).el);

    function renderSpread() {
      const known = ids.filter((id) => latest.has(id));
      spread.dataset.count = String(known.length);
      if (known.length < 2) {
        setText(spread, ids.length < 2 ? `Only ${exchangeName(ids[0].split(':')[0])} offers ${pair}.`
          : 'Waiting for a trade on each exchange to compute the spread…');
        return;
      }
      known.sort((a, b) => compareDecimal(latest.get(a), latest.get(b)));
      const lo = known[0], hi = known[known.length - 1];
      const diff = subtractDecimal(latest.get(hi), latest.get(lo));
      const pct = percentChange(latest.get(hi), latest.get(lo));
      spread.dataset.spread = diff;
      spread.replaceChildren(
        h('span', { class: 'label' }, 'Spread '),
        h('strong', { class: 'value' }, formatPrice(diff, quote)),
        ` (${pct} %): `,
        diff.replace(/[0.]/g, '') === ''
          ? 'the same price on every exchange'
          : `${exchangeName(hi.split(':')[0])} is highest, ${exchangeName(lo.split(':')[0])} lowest`);
    }
    renderSpread();
    for (const id of ids) {
      store.watch(id, 1, (_added, entry) => {
        const t = entry.trades[entry.trades.length - 1];
        if (t && latest.get(id) !== t.price) { latest.set(id, t.price); renderSpread(); }
      });
    }

    chartLib().then(async (lib) => {
      const chart = await createChart(chartBox, { timeScale: { secondsVisible: true } });
      ids.forEach((id, i) => {
        const color = COLORS[i % COLORS.length];
        legend.append(h('li', { dataset: { color: String(i) } }, h('span', { class: `swatch c${i}` }), exchangeName(id.split(':')[0])));
        const series = chart.addSeries(lib.LineSeries, { color, lineWidth: 2, title: exchangeName(id.split(':')[0]) });
        let last = -1, first = true;
        store.watch(id, HISTORY, (added, entry) => {
          const t = entry.trades[entry.trades.length - 1];
          if (!t) return;
          // One point per second (the library wants strictly increasing times).
          const points = new Map();
          const src = first || added.some((a) => seconds(parseTime(a.traded_at) || new Date(0)) < last) ? entry.trades : added;
          for (const tr of src) {
            const d = parseTime(tr.traded_at);
            if (d) points.set(seconds(d), Number(tr.price));
          }
          const data = [...points].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
          if (src === entry.trades) {
            series.applyOptions({ priceFormat: priceFormatFor(t.price) });
            series.setData(data);
            if (first) chart.timeScale().fitContent();
            first = false;
          } else {
            for (const pnt of data) series.update(pnt);
          }
          if (data.length) last = data[data.length - 1].time;
        });
      });
      chartBox.dataset.ready = '1';
    }).catch((err) => chartBox.append(h('p', { class: 'placeholder' }, `Chart unavailable: ${err.message}`)));
  }
}

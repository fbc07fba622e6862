// One product's live price card: coin, exchange, quote, last price exactly as
// sent, local trade time, a sparkline, and a flash when the price moves.
import { h, setText } from './dom.js';
import * as store from './store.js';
import { compareDecimal } from './decimal.js';
import { drawSparkline } from './sparkline.js';
import {
  coinName, exchangeName, formatDateTime, formatPrice, formatTime, hasIcon, parseProductId,
} from './format.js';

const SPARK_TRADES = 120;

/** The coin's icon: an SVG from /icons, or a lettered badge. */
export function coinIcon(base, size = 'md') {
  if (hasIcon(base)) {
    return h('img', { class: `coin-icon ${size}`, src: `/icons/${base.toLowerCase()}.svg`, alt: '', width: 32, height: 32 });
  }
  return h('span', { class: `coin-icon ${size} lettered`, 'aria-hidden': 'true', text: base.slice(0, 3) });
}

/** A live widget for product `id`; `onRemove` adds a remove button. */
export function createWidget(id, { onRemove, extra } = {}) {
  const p = parseProductId(id) || { id, exchange: '?', pair: id, base: '?', quote: '?' };
  const label = `${coinName(p.base)} (${p.base}) · ${p.quote} on ${exchangeName(p.exchange)}`;
  const price = h('div', { class: 'price', 'aria-live': 'off' }, '—');
  const time = h('time', { class: 'traded-at' });
  const status = h('p', { class: 'placeholder', text: 'Loading trades…' });
  const spark = h('canvas', { class: 'spark', 'aria-hidden': 'true' });
  const el = h('article', { class: 'widget', dataset: { product: id, state: 'loading' }, 'aria-label': label },
    h('header', null,
      coinIcon(p.base),
      h('div', { class: 'names' },
        h('a', { class: 'coin-name', href: `/products/${id}`, title: `${label}: chart and trades` }, coinName(p.base)),
        h('div', { class: 'meta' },
          h('span', { class: 'exchange', text: exchangeName(p.exchange) }),
          h('span', { class: 'pair', text: p.base }),
          h('abbr', { class: 'quote', title: `priced in ${coinName(p.quote)}`, text: p.quote }))),
      onRemove && h('button', {
        class: 'remove', type: 'button', title: 'Remove', 'aria-label': `Remove ${label}`,
        onclick: () => onRemove(id),
      }, '×')),
    price,
    h('div', { class: 'when' }, time),
    status,
    spark,
    extra);

  let shown = null; // the price string on screen
  let flip = false;

  function render(_added, entry) {
    const last = entry.trades[entry.trades.length - 1];
    if (!last) {
      el.dataset.state = entry.error ? 'error' : entry.loaded ? 'empty' : 'loading';
      setText(status, entry.error ? entry.error
        : entry.loaded ? 'No trades yet: the price appears with the first trade.' : 'Loading trades…');
      return;
    }
    el.dataset.state = 'live';
    setText(status, '');
    if (last.price !== shown) {
      const dir = shown === null ? 0 : compareDecimal(last.price, shown);
      shown = last.price;
      price.dataset.price = last.price;
      setText(price, formatPrice(last.price, p.quote));
      if (dir) {
        // Two animation names per direction: switching restarts the flash.
        flip = !flip;
        price.classList.remove('up', 'down', 'up2', 'down2');
        price.classList.add(dir > 0 ? (flip ? 'up' : 'up2') : (flip ? 'down' : 'down2'));
        el.dataset.direction = dir > 0 ? 'up' : 'down';
      }
    }
    el.dataset.tradeId = last.trade_id;
    time.dateTime = last.traded_at;
    time.title = `traded ${formatDateTime(last.traded_at)}`;
    setText(time, formatTime(last.traded_at));
    drawSparkline(spark, entry.trades.slice(-SPARK_TRADES));
  }

  const unwatch = store.watch(id, SPARK_TRADES, render);
  return { el, destroy: () => { unwatch(); el.remove(); } };
}

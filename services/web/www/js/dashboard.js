// The dashboard at "/": a widget per product, in the order of the URL's
// ?products=a,b,c (the URL is the whole state, so reload, bookmarks and
// back/forward restore it). Without ?products a default set is shown.
import { h } from './dom.js';
import { byExchange, catalog, loadCatalog, onCatalog } from './catalog.js';
import { createWidget } from './widget.js';
import { exchangeName, parseProductId, productLabel } from './format.js';

const DEFAULT_PAIRS = ['BTC-USD', 'BTC-EUR'];
const DEFAULT_EXCHANGES = ['coinbase', 'bitstamp'];

/** The products in the URL, or null when the URL names none (show the default). */
export function productsFromUrl(search = location.search) {
  const raw = new URLSearchParams(search).get('products');
  if (raw === null) return null;
  const ids = [];
  for (const id of raw.split(',').map((s) => s.trim())) {
    if (parseProductId(id) && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** "/?products=coinbase:BTC-USD,bitstamp:ETH-EUR" (ids are URL-safe as they are). */
export const dashboardUrl = (ids) => `/?products=${ids.join(',')}`;

function defaultProducts() {
  const known = new Set(catalog().map((p) => p.id));
  const ids = [];
  for (const ex of DEFAULT_EXCHANGES) for (const pair of DEFAULT_PAIRS) {
    if (known.has(`${ex}:${pair}`)) ids.push(`${ex}:${pair}`);
  }
  return ids.length ? ids : catalog().slice(0, 4).map((p) => p.id);
}

export function mountDashboard(root) {
  document.title = 'Poeticoins: live crypto prices';
  const select = h('select', { id: 'add-product', name: 'product' });
  const form = h('form', { class: 'add', onsubmit: (ev) => { ev.preventDefault(); add(select.value); } },
    h('label', { for: 'add-product' }, 'Add a product'),
    select,
    h('button', { type: 'submit' }, 'Add'));
  const note = h('p', { class: 'hint' });
  const grid = h('section', { class: 'grid', 'aria-label': 'Prices' });
  root.append(h('div', { class: 'toolbar' }, form), note, grid);

  const widgets = new Map(); // id -> widget

  function fillSelect() {
    const current = select.value;
    select.replaceChildren(h('option', { value: '' }, 'Choose a product…'));
    for (const [ex, list] of byExchange()) {
      select.append(h('optgroup', { label: exchangeName(ex) },
        list.map((p) => h('option', { value: p.id }, productLabel(p)))));
    }
    select.value = current;
  }

  const shownIds = () => productsFromUrl() ?? defaultProducts();

  function sync() {
    const ids = shownIds();
    const fromUrl = productsFromUrl() !== null;
    for (const [id, w] of widgets) if (!ids.includes(id)) { w.destroy(); widgets.delete(id); }
    ids.forEach((id) => {
      let w = widgets.get(id);
      if (!w) {
        w = createWidget(id, { onRemove: remove });
        widgets.set(id, w);
      }
      grid.append(w.el); // re-appending in URL order keeps the order
    });
    note.textContent = ids.length === 0
      ? 'No products shown. Add one above, or pick a comparison from the menu.'
      : fromUrl ? '' : 'Showing a default selection; add or remove products to make it yours.';
  }

  function navigate(ids) {
    history.pushState(null, '', dashboardUrl(ids));
    sync();
  }

  function add(id) {
    if (!id) return;
    const ids = shownIds();
    if (!ids.includes(id)) navigate([...ids, id]);
    widgets.get(id)?.el.querySelector('.coin-name')?.focus();
  }

  function remove(id) {
    const ids = shownIds();
    const i = ids.indexOf(id);
    navigate(ids.filter((x) => x !== id));
    // Keep keyboard focus nearby: the next widget's remove button, or the selector.
    const cards = grid.querySelectorAll('.widget');
    const next = cards[Math.min(i, cards.length - 1)];
    (next ? next.querySelector('.remove') : select).focus();
  }

  window.addEventListener('popstate', sync);
  onCatalog(() => { fillSelect(); if (productsFromUrl() === null) sync(); });
  fillSelect();
  loadCatalog().catch((err) => { note.textContent = `Cannot list products: ${err.message}`; })
    .finally(sync);
}

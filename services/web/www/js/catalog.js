// The products the ingest services announce (GET /api/products), grouped by
// exchange; read again when an exchange's status changes (a service that
// starts later brings its products with it).
import { fetchProducts } from './api.js';
import * as live from './live.js';

let products = [];
let loading = null;
const listeners = new Set();

export function loadCatalog() {
  if (!loading) {
    loading = fetchProducts().then((list) => {
      products = Array.isArray(list) ? list : [];
      live.resubscribeMissing(new Set(products.map((p) => p.id)));
      for (const fn of listeners) fn(products);
      return products;
    }).finally(() => { loading = null; });
  }
  return loading;
}

export const catalog = () => products;
export const findProduct = (id) => products.find((p) => p.id === id);

export function onCatalog(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** { exchange: [products sorted by base, then quote] }, exchanges sorted. */
export function byExchange(list = products) {
  const groups = new Map();
  for (const p of [...list].sort((a, b) => a.exchange.localeCompare(b.exchange) ||
    a.base.localeCompare(b.base) || a.quote.localeCompare(b.quote))) {
    if (!groups.has(p.exchange)) groups.set(p.exchange, []);
    groups.get(p.exchange).push(p);
  }
  return groups;
}

live.on('status', () => { loadCatalog().catch(() => {}); });
live.on('reconnect', () => { loadCatalog().catch(() => {}); });

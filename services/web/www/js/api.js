// The web service's HTTP API (README: "Web service: HTTP and websocket API").

async function getJSON(url) {
  const res = await fetch(url, { headers: { Accept: 'application/json' } });
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    const err = new Error((body && body.error) || `${url}: HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

export const fetchProducts = () => getJSON('/api/products');
export const fetchStatus = () => getJSON('/api/status');

// The largest limit the service accepts is its HISTORY_LEN, which the page
// does not know; a 400 names the bound ("from 1 to N"), so retry with it.
let historyMax = 1000;

/** A product's history, newest first, at most `limit` trades. */
export async function fetchTrades(product, limit) {
  const n = Math.min(limit, historyMax);
  try {
    return await getJSON(`/api/trades?product=${encodeURIComponent(product)}&limit=${n}`);
  } catch (err) {
    const m = err.status === 400 && /from 1 to (\d+)/.exec(err.message);
    if (m && Number(m[1]) < n) {
      historyMax = Number(m[1]);
      return fetchTrades(product, limit);
    }
    throw err;
  }
}

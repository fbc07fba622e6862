// The page's websocket outlives a restart of bin/web: it reconnects with
// backoff and fills the trades it missed from /api/trades, each exactly once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { System, launchBrowser, openPage, expectedPrice, waitFor } from './harness.mjs';

let sys, ctx;

const tableIds = (page) => page.$$eval('table.trades tbody tr', (trs) => trs.map((tr) => tr.dataset.tradeId));

describe('websocket reconnect', { timeout: 120000 }, () => {
  before(async () => {
    sys = await new System('browser-reconnect').init();
    await sys.redis();
    await sys.sim('coinbase');
    await sys.ingest('coinbase', sys['sim-coinbase']);
    await sys.web();
    ctx = await launchBrowser(sys.dir);
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    await sys?.stop();
  });

  it('fills the trades missed while the web service was down, none twice', { timeout: 60000 }, async () => {
    const page = await openPage(ctx);
    await page.goto(`${sys.url}/products/coinbase:BTC-USD`);
    const before = await sys.history('coinbase', 'BTC-USD');
    await page.waitForFunction((n) => document.querySelectorAll('table.trades tbody tr').length === n, before.length);
    await page.waitForSelector('.connection[data-state="open"]');

    await sys.stopProcess('web');
    await page.waitForSelector('.connection[data-state="closed"]');
    assert.match(await page.$eval('.connection .state', (e) => e.textContent), /offline, retrying in \d+ s/);

    // Trades published while the page cannot hear them.
    await sys['sim-coinbase'].control('trades?n=7&product=BTC-USD');
    const missed = await waitFor(async () => {
      const h = await sys.history('coinbase', 'BTC-USD');
      return h.length === before.length + 7 && h;
    }, { what: '7 trades in Redis' });

    await sys.web(sys.webPort);
    await page.waitForSelector('.connection[data-state="open"]', { timeout: 20000 });
    const want = missed.map((t) => t.trade_id);
    await page.waitForFunction((ids) => JSON.stringify([...document.querySelectorAll('table.trades tbody tr')]
      .map((tr) => tr.dataset.tradeId)) === JSON.stringify(ids), want, { timeout: 5000 });

    // Live again: the next trade arrives over the new connection, once.
    await page.waitForFunction(() => (document.querySelector('.connection')?.dataset.subscribed || '').includes('coinbase:BTC-USD'));
    await sys['sim-coinbase'].control('trades?n=1&product=BTC-USD');
    const t = await waitFor(async () => {
      const h = await sys.head('coinbase', 'BTC-USD');
      return h.trade_id !== want[0] && h;
    }, { what: 'live trade' });
    await page.waitForFunction((id) => document.querySelector('table.trades tbody tr')?.dataset.tradeId === id, t.trade_id, { timeout: 2000 });
    assert.deepEqual(await tableIds(page), [t.trade_id, ...want]);
    assert.equal(await page.$eval('.product .live .price', (e) => e.textContent), expectedPrice(t.price, 'USD'));

    // The only errors are the refused reconnection attempts.
    const other = page.errors.filter((e) => !/WebSocket connection|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|Failed to load resource/.test(e));
    assert.deepEqual(other, []);
    await page.close();
  });
});

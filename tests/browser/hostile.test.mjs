// Hostile data in the dashboard: a trade whose fields carry markup and script
// (as anyone with access to Redis could publish) must stay inert on every
// page: nothing injected, nothing executed, the page keeps working.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { System, launchBrowser, openPage } from './harness.mjs';

const ID = 'coinbase:LTC-EUR';
const hostile = JSON.stringify({
  exchange: 'coinbase', pair: 'LTC-EUR',
  price: '<img src=x onerror="window.pwned=1">',
  volume: '<script>window.pwned=2</script>',
  side: '<b onmouseover="window.pwned=3">buy</b>',
  trade_id: '999999999999',
  traded_at: '<svg onload="window.pwned=4"></svg>',
  received_at: '"><iframe src="javascript:window.pwned=5"></iframe>',
});
const sentinel = JSON.stringify({
  exchange: 'coinbase', pair: 'LTC-EUR', price: '76.54', volume: '0.5', side: 'sell',
  trade_id: '1000000000001', traded_at: '2026-11-29T03:00:00.000000Z',
  received_at: '2026-11-29T03:00:00.000100Z',
});

/** Elements the hostile fields would create if inserted as HTML. */
const injected = (page) => page.evaluate(() => ({
  pwned: window.pwned,
  elements: document.querySelectorAll('img[src="x"], svg[onload], iframe, b[onmouseover], script:not([src])').length,
}));

let sys, ctx;

describe('hostile trade fields', { timeout: 120000 }, () => {
  before(async () => {
    sys = await new System('hostile').init();
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

  it('stay inert on the dashboard and the product page', async () => {
    const page = await openPage(ctx);
    await page.goto(`${sys.url}/?products=${ID}`);
    await page.waitForFunction((id) => (document.querySelector('.connection')?.dataset.subscribed || '')
      .split(' ').includes(id), ID);
    // Live, then a valid trade after it: once that shows, the hostile one
    // has been through the page's whole path.
    for (const t of [hostile, sentinel]) {
      await sys.rcli('LPUSH', `history:${ID}`, t);
      await sys.rcli('PUBLISH', `trades:${ID}`, t);
    }
    await page.waitForFunction((id) => document.querySelector(`.widget[data-product="${id}"]`)
      ?.dataset.tradeId === '1000000000001', ID, { timeout: 5000 });
    assert.deepEqual(await injected(page), { pwned: undefined, elements: 0 });
    assert.deepEqual(page.errors, []);

    // The product page renders the history, hostile trade included.
    await page.goto(`${sys.url}/products/${ID}`);
    await page.waitForFunction(() => document.body.textContent.includes('76.54'), null, { timeout: 5000 });
    assert.deepEqual(await injected(page), { pwned: undefined, elements: 0 });
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

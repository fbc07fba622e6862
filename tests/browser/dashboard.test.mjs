// The dashboard in headless Chromium against the real system: redis-server,
// both exchange simulators, both ingest services and bin/web. Tests run in
// order on one system; the last one stops an ingest service.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  System, launchBrowser, openPage, screenshot, expectedPrice, get, waitFor,
} from './harness.mjs';

const DEFAULT = ['coinbase:BTC-USD', 'coinbase:BTC-EUR', 'bitstamp:BTC-USD', 'bitstamp:BTC-EUR'];

let sys, ctx;

/** Widget ids in page order. */
const widgetIds = (page) => page.$$eval('.widget', (els) => els.map((e) => e.dataset.product));

function waitWidgets(page, ids) {
  return page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('.widget')]
    .map((e) => e.dataset.product)) === JSON.stringify(want), ids);
}

/** Waits until the page's websocket has confirmed a subscription to every id. */
function waitSubscribed(page, ids) {
  return page.waitForFunction((want) => {
    const got = (document.querySelector('.connection')?.dataset.subscribed || '').split(' ');
    return want.every((id) => got.includes(id));
  }, ids);
}

/** Waits until the widget of `id` shows trade `tradeId`; resolves its price text. */
async function waitWidgetTrade(page, id, tradeId, timeout = 5000) {
  const sel = `.widget[data-product="${id}"]`;
  await page.waitForFunction(([s, t]) => document.querySelector(s)?.dataset.tradeId === t, [sel, tradeId], { timeout });
  return page.$eval(`${sel} .price`, (e) => ({ text: e.textContent, price: e.dataset.price }));
}

/** a - b for decimal strings, exactly (independent of the page's code). */
function decimalDiff(a, b) {
  const scale = Math.max((a.split('.')[1] || '').length, (b.split('.')[1] || '').length);
  const big = (s) => { const [i, f = ''] = s.split('.'); return BigInt(i + f.padEnd(scale, '0')); };
  const d = big(a) - big(b);
  const s = (d < 0n ? -d : d).toString().padStart(scale + 1, '0');
  return (d < 0n ? '-' : '') + (scale ? `${s.slice(0, -scale)}.${s.slice(-scale)}` : s);
}

describe('dashboard in Chromium', { timeout: 180000 }, () => {
  before(async () => {
    sys = await new System('browser').init();
    await sys.redis();
    await sys.sim('coinbase');
    await sys.sim('bitstamp');
    await sys.ingest('coinbase', sys['sim-coinbase']);
    await sys.ingest('bitstamp', sys['sim-bitstamp']);
    await sys.web();
    ctx = await launchBrowser(sys.dir);
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    await sys?.stop();
  });

  it('loads the default products with no console errors', { timeout: 30000 }, async () => {
    const page = await openPage(ctx);
    const res = await page.goto(`${sys.url}/`);
    assert.match(res.headers()['content-security-policy'] || '', /script-src 'self'/);
    await waitWidgets(page, DEFAULT);
    assert.match(await page.title(), /Poeticoins/);

    // Coinbase's last_match is in the history: the widget shows it exactly.
    const head = await sys.head('coinbase', 'BTC-USD');
    const shown = await waitWidgetTrade(page, 'coinbase:BTC-USD', head.trade_id);
    assert.equal(shown.text, expectedPrice(head.price, 'USD'));
    assert.equal(shown.price, head.price);
    assert.equal(await page.$eval('.widget[data-product="coinbase:BTC-USD"] .quote', (e) => e.textContent), 'USD');
    assert.equal(await page.$eval('.widget[data-product="coinbase:BTC-USD"] .coin-name', (e) => e.textContent), 'Bitcoin');
    // The trade time in the viewer's zone, machine-readable as sent.
    assert.equal(await page.$eval('.widget[data-product="coinbase:BTC-USD"] time', (e) => e.dateTime), head.traded_at);

    // Bitstamp sends no last trade: a clear placeholder until the first one.
    assert.equal(await sys.head('bitstamp', 'BTC-EUR'), null);
    await page.waitForSelector('.widget[data-product="bitstamp:BTC-EUR"][data-state="empty"]');
    assert.match(await page.$eval('.widget[data-product="bitstamp:BTC-EUR"] .placeholder', (e) => e.textContent), /No trades yet/);

    // Exchange status, favicon, chart attribution.
    await page.waitForSelector('.badge[data-exchange="coinbase"][data-state="live"]');
    await page.waitForSelector('.badge[data-exchange="bitstamp"][data-state="live"]');
    const icon = await page.$eval('link[rel="icon"]', (l) => l.href);
    const fav = await get(icon);
    assert.equal(fav.status, 200);
    assert.match(fav.headers.get('content-type'), /image\/svg\+xml/);
    assert.ok(await page.locator('footer a[href="https://www.tradingview.com/"]').first().isVisible());
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('adds and removes products, keeps them in the URL, restores them on reload and back/forward', { timeout: 30000 }, async () => {
    const page = await openPage(ctx);
    await page.goto(`${sys.url}/?products=coinbase:BTC-USD`);
    await waitWidgets(page, ['coinbase:BTC-USD']);
    const option = await page.$eval('#add-product option[value="bitstamp:ETH-EUR"]',
      (o) => ({ text: o.textContent, group: o.parentElement.label }));
    assert.deepEqual(option, { text: 'Ethereum (ETH) · EUR', group: 'Bitstamp' });

    await page.selectOption('#add-product', 'bitstamp:ETH-EUR');
    await page.click('form.add button[type="submit"]');
    await waitWidgets(page, ['coinbase:BTC-USD', 'bitstamp:ETH-EUR']);
    assert.equal(new URL(page.url()).search, '?products=coinbase:BTC-USD,bitstamp:ETH-EUR');

    // By keyboard: choose in the selector, Tab to "Add", Enter.
    await page.focus('#add-product');
    await page.selectOption('#add-product', 'coinbase:LTC-USD');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await waitWidgets(page, ['coinbase:BTC-USD', 'bitstamp:ETH-EUR', 'coinbase:LTC-USD']);

    // Adding twice does nothing.
    const historyLength = await page.evaluate(() => history.length);
    await page.selectOption('#add-product', 'coinbase:BTC-USD');
    await page.click('form.add button[type="submit"]');
    assert.deepEqual(await widgetIds(page), ['coinbase:BTC-USD', 'bitstamp:ETH-EUR', 'coinbase:LTC-USD']);
    assert.equal(await page.evaluate(() => history.length), historyLength);

    await page.click('.widget[data-product="coinbase:BTC-USD"] button.remove');
    await waitWidgets(page, ['bitstamp:ETH-EUR', 'coinbase:LTC-USD']);
    assert.equal(new URL(page.url()).search, '?products=bitstamp:ETH-EUR,coinbase:LTC-USD');

    await page.reload();
    await waitWidgets(page, ['bitstamp:ETH-EUR', 'coinbase:LTC-USD']);
    await page.goBack();
    await waitWidgets(page, ['coinbase:BTC-USD', 'bitstamp:ETH-EUR', 'coinbase:LTC-USD']);
    await page.goBack();
    await waitWidgets(page, ['coinbase:BTC-USD', 'bitstamp:ETH-EUR']);
    await page.goForward();
    await waitWidgets(page, ['coinbase:BTC-USD', 'bitstamp:ETH-EUR', 'coinbase:LTC-USD']);

    // Removing everything leaves an empty dashboard, not the default one.
    for (const id of ['coinbase:BTC-USD', 'bitstamp:ETH-EUR', 'coinbase:LTC-USD']) {
      await page.click(`.widget[data-product="${id}"] button.remove`);
    }
    await waitWidgets(page, []);
    assert.equal(new URL(page.url()).search, '?products=');
    await page.reload();
    await page.waitForSelector('#add-product option[value="coinbase:BTC-USD"]', { state: 'attached' });
    assert.deepEqual(await widgetIds(page), []);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('shows a trade from the simulator in the right widget within a second, with the exact price', { timeout: 30000 }, async () => {
    const ids = ['coinbase:BTC-USD', 'coinbase:ETH-USD', 'bitstamp:BTC-USD', 'bitstamp:ETH-EUR'];
    const page = await openPage(ctx);
    await page.goto(`${sys.url}/?products=${ids.join(',')}`);
    await waitWidgets(page, ids);
    await waitSubscribed(page, ids);
    const btc = await sys.head('coinbase', 'BTC-USD');
    await waitWidgetTrade(page, 'coinbase:BTC-USD', btc.trade_id);
    const eth = await sys.head('coinbase', 'ETH-USD');
    await waitWidgetTrade(page, 'coinbase:ETH-USD', eth.trade_id);

    // One Coinbase ETH-USD trade: the ETH widget shows it within a second.
    const t0 = Date.now();
    await sys['sim-coinbase'].control('trades?n=1&product=ETH-USD');
    await page.waitForFunction(([s, old]) => {
      const id = document.querySelector(s)?.dataset.tradeId;
      return id && id !== old;
    }, ['.widget[data-product="coinbase:ETH-USD"]', eth.trade_id], { timeout: 1000, polling: 'raf' });
    const elapsed = Date.now() - t0;
    const trade = await sys.head('coinbase', 'ETH-USD');
    assert.notEqual(trade.trade_id, eth.trade_id);
    const shown = await waitWidgetTrade(page, 'coinbase:ETH-USD', trade.trade_id, 100);
    assert.equal(shown.text, expectedPrice(trade.price, 'USD'));
    assert.equal(shown.price, trade.price);
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
    // ...and nowhere else.
    assert.equal(await page.$eval('.widget[data-product="coinbase:BTC-USD"]', (e) => e.dataset.tradeId), btc.trade_id);

    // Bitstamp's first BTC-USD trade replaces the placeholder.
    const t1 = Date.now();
    await sys['sim-bitstamp'].control('trades?n=1&product=BTC-USD');
    await page.waitForSelector('.widget[data-product="bitstamp:BTC-USD"][data-state="live"]', { timeout: 1000 });
    assert.ok(Date.now() - t1 < 1000);
    const bs = await sys.head('bitstamp', 'BTC-USD');
    assert.equal((await waitWidgetTrade(page, 'bitstamp:BTC-USD', bs.trade_id, 100)).text, expectedPrice(bs.price, 'USD'));
    assert.equal(await page.$eval('.widget[data-product="bitstamp:ETH-EUR"]', (e) => e.dataset.state), 'empty');

    // A burst of 100 trades on each shown product: each widget ends on its
    // product's newest trade. (Bitstamp LTC-EUR stays without trades.)
    for (const id of ids) {
      const [ex, pair] = id.split(':');
      await sys[`sim-${ex}`].control(`trades?n=100&product=${pair}`);
    }
    for (const id of ids) {
      const [ex, pair] = id.split(':');
      const t = await waitFor(async () => {
        const h = await sys.head(ex, pair);
        const len = Number(await sys.rcli('LLEN', `history:${ex}:${pair}`));
        return len >= 100 && h;
      }, { what: `${id} burst in Redis` });
      const got = await waitWidgetTrade(page, id, t.trade_id);
      assert.equal(got.text, expectedPrice(t.price, pair.split('-')[1]));
    }
    await page.waitForFunction(() => document.querySelector('.widget[data-direction]'));
    await screenshot(page, 'dashboard');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('product page: candles with volume, the latest trades, live price in the title', { timeout: 30000 }, async () => {
    const page = await openPage(ctx);
    await page.goto(`${sys.url}/products/coinbase:BTC-USD`);
    await page.waitForSelector('.chart[data-ready="1"] canvas');
    const hist = await sys.history('coinbase', 'BTC-USD', 50);
    assert.ok(hist.length >= 50, `history has ${hist.length}`);
    await page.waitForFunction((n) => document.querySelectorAll('table.trades tbody tr').length === n, hist.length);
    const rows = await page.$$eval('table.trades tbody tr', (trs) => trs.map((tr) => ({
      id: tr.dataset.tradeId, price: tr.cells[1].textContent, volume: tr.cells[2].textContent,
      side: tr.cells[3].textContent, sideClass: tr.cells[3].className,
    })));
    assert.deepEqual(rows.map((r) => r.id), hist.map((t) => t.trade_id), 'newest first, exactly the history');
    rows.forEach((r, i) => {
      assert.equal(r.price, expectedPrice(hist[i].price, 'USD'));
      assert.equal(r.volume, hist[i].volume);
      assert.equal(r.side, hist[i].side);
      assert.match(r.sideClass, new RegExp(`side ${hist[i].side}`));
    });
    await page.waitForFunction((t) => document.title === t,
      `${expectedPrice(hist[0].price, 'USD')} BTC-USD · Coinbase · Poeticoins`);
    // The chart draws something: a canvas with a real size.
    const box = await page.locator('.chart canvas').first().boundingBox();
    assert.ok(box.width > 200 && box.height > 150, JSON.stringify(box));

    // Live: a new trade goes on top and into the title.
    await sys['sim-coinbase'].control('trades?n=1&product=BTC-USD');
    const t = await waitFor(async () => {
      const h = await sys.head('coinbase', 'BTC-USD');
      return h.trade_id !== hist[0].trade_id && h;
    }, { what: 'new BTC-USD trade' });
    await page.waitForFunction((id) => document.querySelector('table.trades tbody tr')?.dataset.tradeId === id, t.trade_id, { timeout: 2000 });
    assert.equal(await page.$eval('.product .live .price', (e) => e.textContent), expectedPrice(t.price, 'USD'));
    assert.equal(await page.title(), `${expectedPrice(t.price, 'USD')} BTC-USD · Coinbase · Poeticoins`);
    assert.equal(await page.locator('table.trades tbody tr').count(), 50);

    // Candle width: 1 minute by default, selectable.
    assert.equal(await page.getAttribute('.intervals button[data-seconds="60"]', 'aria-pressed'), 'true');
    await page.click('.intervals button[data-seconds="300"]');
    assert.equal(await page.getAttribute('.intervals button[data-seconds="300"]', 'aria-pressed'), 'true');
    await page.click('.intervals button[data-seconds="60"]');
    await screenshot(page, 'product');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('product page works for a product with no trade yet', { timeout: 20000 }, async () => {
    assert.equal(await sys.head('bitstamp', 'LTC-EUR'), null);
    const page = await openPage(ctx);
    await page.goto(`${sys.url}/products/bitstamp:LTC-EUR`);
    await page.waitForSelector('.chart[data-ready="1"] canvas');
    await page.waitForFunction(() => /No trades yet/.test(document.querySelector('.product .placeholder')?.textContent || ''));
    assert.equal(await page.locator('table.trades tbody tr').count(), 0);
    assert.equal(await page.title(), 'LTC-EUR · Bitstamp · Poeticoins');
    await waitSubscribed(page, ['bitstamp:LTC-EUR']);
    await sys['sim-bitstamp'].control('trades?n=1&product=LTC-EUR');
    const t = await waitFor(() => sys.head('bitstamp', 'LTC-EUR'), { what: 'LTC-EUR trade' });
    await page.waitForFunction((id) => document.querySelector('table.trades tbody tr')?.dataset.tradeId === id, t.trade_id, { timeout: 2000 });
    assert.equal(await page.title(), `${expectedPrice(t.price, 'EUR')} LTC-EUR · Bitstamp · Poeticoins`);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('comparison view shows one pair on both exchanges and the exact spread', { timeout: 20000 }, async () => {
    const page = await openPage(ctx);
    await page.goto(`${sys.url}/compare/BTC-USD`);
    await waitWidgets(page, ['bitstamp:BTC-USD', 'coinbase:BTC-USD']);
    const cb = await sys.head('coinbase', 'BTC-USD');
    const bs = await sys.head('bitstamp', 'BTC-USD');
    assert.equal((await waitWidgetTrade(page, 'coinbase:BTC-USD', cb.trade_id)).text, expectedPrice(cb.price, 'USD'));
    assert.equal((await waitWidgetTrade(page, 'bitstamp:BTC-USD', bs.trade_id)).text, expectedPrice(bs.price, 'USD'));
    let spread = decimalDiff(cb.price, bs.price);
    if (spread.startsWith('-')) spread = spread.slice(1);
    await page.waitForFunction((s) => document.querySelector('.spread')?.dataset.spread === s, spread);
    assert.equal(await page.$eval('.spread .value', (e) => e.textContent), expectedPrice(spread, 'USD'));
    await page.waitForSelector('.compare .chart[data-ready="1"] canvas');
    assert.deepEqual(await page.$$eval('.legend li', (l) => l.map((e) => e.textContent)), ['Bitstamp', 'Coinbase']);
    assert.match(await page.title(), /BTC-USD across exchanges/);
    await screenshot(page, 'compare');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('fits a phone-sized screen', { timeout: 20000 }, async () => {
    const page = await openPage(ctx);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${sys.url}/`);
    await waitWidgets(page, DEFAULT);
    await page.waitForSelector('.widget[data-product="coinbase:BTC-USD"][data-state="live"]');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    await screenshot(page, 'dashboard-phone');
    await page.goto(`${sys.url}/products/coinbase:BTC-USD`);
    await page.waitForSelector('.chart[data-ready="1"] canvas');
    await page.waitForSelector('table.trades tbody tr');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) <= 0);
    await screenshot(page, 'product-phone');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('stays smooth at about 100 trades per second across 12 widgets', { timeout: 30000 }, async () => {
    const pairs = ['BTC-USD', 'ETH-USD', 'LTC-USD', 'BTC-EUR', 'ETH-EUR', 'LTC-EUR'];
    const ids = pairs.flatMap((p) => [`coinbase:${p}`, `bitstamp:${p}`]);
    const page = await openPage(ctx);
    await page.goto(`${sys.url}/?products=${ids.join(',')}`);
    await waitWidgets(page, ids);
    await waitSubscribed(page, ids);
    await page.evaluate(() => {
      window.longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.longTasks.push(Math.round(e.duration));
      }).observe({ entryTypes: ['longtask'] });
    });
    // Three seconds of about 120 trades a second: a round of one trade per
    // product on both simulators every 100 ms (pacing, not synchronisation).
    const start = Date.now();
    while (Date.now() - start < 3000) {
      await Promise.all([sys['sim-coinbase'].control('trades?n=1'), sys['sim-bitstamp'].control('trades?n=1')]);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const id of ids) {
      const [ex, pair] = id.split(':');
      const t = await sys.head(ex, pair);
      assert.equal((await waitWidgetTrade(page, id, t.trade_id)).text, expectedPrice(t.price, pair.split('-')[1]));
    }
    const long = await page.evaluate(() => window.longTasks);
    assert.ok(long.every((ms) => ms < 250), `main thread blocked: ${long.join(', ')} ms`);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('unfilled gaps are shown on the exchange badge', { timeout: 30000 }, async () => {
    const page = await openPage(ctx);
    await page.goto(`${sys.url}/?products=coinbase:BTC-USD`);
    const badge = '.badge[data-exchange="coinbase"]';
    await page.waitForSelector(`${badge}[data-state="live"]`);
    assert.equal(await page.$eval(`${badge} .gaps`, (e) => e.textContent), '');
    // As the ingest service announces a gap it could not fill: the hash's
    // gaps field, published on status:coinbase.
    const status = JSON.parse(JSON.stringify(await page.evaluate(async () => (await (await fetch('/api/status')).json()).find((s) => s.exchange === 'coinbase'))));
    status.gaps = '2';
    await sys.rcli('PUBLISH', 'status:coinbase', JSON.stringify(status));
    await page.waitForSelector(`${badge}[data-gaps="2"]`, { timeout: 5000 });
    assert.equal(await page.$eval(`${badge} .gaps`, (e) => e.textContent), ' · 2 gaps');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('the status badge changes when an ingest service is stopped', { timeout: 30000 }, async () => {
    const page = await openPage(ctx);
    await page.goto(`${sys.url}/?products=coinbase:BTC-USD,bitstamp:BTC-USD`);
    const badge = '.badge[data-exchange="bitstamp"]';
    await page.waitForSelector(`${badge}[data-state="live"]`);
    await sys.stopProcess('bitstamp');
    await page.waitForSelector(`${badge}[data-state="stopped"]`, { timeout: 5000 });
    assert.equal(await page.$eval(`${badge} .state`, (e) => e.textContent), 'stopped');
    assert.equal(await page.$eval('.badge[data-exchange="coinbase"]', (e) => e.dataset.state), 'live');
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

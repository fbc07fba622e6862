// Test harness for the browser tests: a private redis-server on a free
// loopback port, the exchange simulators, the ingest services and bin/web,
// all in a temporary folder, all stopped at the end (also on failure); and a
// headless Debian Chromium driven by playwright-core.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.resolve(ROOT, process.env.BIN || 'bin');
export const WEB_ROOT = path.resolve(ROOT, process.env.WEB_ROOT || path.join(process.env.BUILD || 'build', 'www'));
export const SCREENSHOTS = path.resolve(ROOT, process.env.SCREENSHOT_DIR || 'build/screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Polls `fn` until it returns a truthy value (returned), or throws after `timeout` ms. */
export async function waitFor(fn, { timeout = 10000, interval = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastErr = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) { lastErr = err; }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${lastErr ? `: ${lastErr.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

/** GET on loopback with a deadline; resolves { status, body }. */
export async function get(url, timeout = 3000) {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeout) });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** The exact price string as the page must show it: grouping and symbol added. */
export function expectedPrice(price, quote) {
  const [int, frac] = price.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac !== undefined ? `.${frac}` : '');
  const sym = { USD: '$', EUR: '€' }[quote];
  return sym ? sym + grouped : `${grouped} ${quote}`;
}

export class System {
  constructor(name) {
    this.name = name;
    this.procs = new Map(); // name -> { child, log, exited }
  }

  async init() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `poeticoins-${this.name}-`));
    for (const b of ['web', 'coinbase', 'bitstamp', 'exchange-sim']) {
      if (!fs.existsSync(path.join(BIN, b))) throw new Error(`${BIN}/${b} is missing: run make`);
    }
    if (!fs.existsSync(path.join(WEB_ROOT, 'index.html'))) throw new Error(`${WEB_ROOT} is not built: run make`);
    return this;
  }

  start(name, cmd, args, env = {}) {
    const log = path.join(this.dir, `${name}.log`);
    const fd = fs.openSync(log, 'a');
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd], cwd: this.dir });
    fs.closeSync(fd);
    const p = { child, log, exited: null };
    child.on('exit', (code, signal) => { p.exited = { code, signal }; });
    this.procs.set(name, p);
    return p;
  }

  logTail(name, lines = 20) {
    const p = this.procs.get(name);
    if (!p) return '';
    try { return fs.readFileSync(p.log, 'utf8').split('\n').slice(-lines).join('\n'); } catch { return ''; }
  }

  alive(name) {
    const p = this.procs.get(name);
    if (!p || p.exited) throw new Error(`${name} exited (${JSON.stringify(p && p.exited)}):\n${this.logTail(name)}`);
    return true;
  }

  async redis() {
    this.redisPort = await freePort();
    this.start('redis', 'redis-server', ['--port', String(this.redisPort), '--bind', '127.0.0.1',
      '--dir', this.dir, '--save', '', '--appendonly', 'no']);
    this.redisUrl = `redis://127.0.0.1:${this.redisPort}`;
    await waitFor(async () => this.alive('redis') && (await this.rcli('PING')) === 'PONG', { what: 'redis-server' });
  }

  /** A redis-cli command against the test's Redis; resolves its raw output, trimmed. */
  rcli(...args) {
    return new Promise((resolve, reject) => {
      execFile('redis-cli', ['-p', String(this.redisPort), '--raw', ...args], { timeout: 3000 },
        (err, stdout) => (err ? reject(err) : resolve(stdout.replace(/\n$/, ''))));
    });
  }

  /** The newest trade in a product's history, parsed, or null. */
  async head(exchange, pair) {
    const raw = await this.rcli('LINDEX', `history:${exchange}:${pair}`, '0');
    return raw ? JSON.parse(raw) : null;
  }

  async history(exchange, pair, n = 1000) {
    const raw = await this.rcli('LRANGE', `history:${exchange}:${pair}`, '0', String(n - 1));
    return raw ? raw.split('\n').map((l) => JSON.parse(l)) : [];
  }

  async sim(exchange, args = []) {
    const name = `sim-${exchange}`;
    const p = this.start(name, path.join(BIN, 'exchange-sim'), ['--exchange', exchange, '--seed', '7', ...args]);
    const port = await waitFor(() => {
      this.alive(name);
      const m = /ready port=(\d+)/.exec(fs.readFileSync(p.log, 'utf8'));
      return m && Number(m[1]);
    }, { what: `${name} ready` });
    const sim = {
      port,
      url: `ws://127.0.0.1:${port}/`,
      control: async (q) => {
        const r = await get(`http://127.0.0.1:${port}/control/${q}`);
        if (r.status !== 200) throw new Error(`sim ${q}: ${r.status} ${r.body}`);
        return JSON.parse(r.body);
      },
    };
    this[name] = sim;
    return sim;
  }

  async ingest(exchange, sim) {
    const healthPort = await freePort();
    const env = {
      REDIS_URL: this.redisUrl, HEALTH_ADDR: '127.0.0.1', HEALTH_PORT: String(healthPort), LOG_LEVEL: 'info',
      [`${exchange.toUpperCase()}_URL`]: sim.url,
      // Never the real exchange's REST API; the page, not gap recovery, is
      // under test here, so backfill is off (gaps are still reported).
      [`${exchange.toUpperCase()}_REST_URL`]: `http://127.0.0.1:${sim.port}`,
      REST_MAX_BACKFILL: '0',
    };
    this.start(exchange, path.join(BIN, exchange), [], env);
    await waitFor(async () => this.alive(exchange) &&
      (await this.rcli('HGET', `exchange:${exchange}`, 'state')) === 'live', { what: `${exchange} live` });
    return { healthPort };
  }

  /** Starts bin/web (again, on the same port when restarted). */
  async web(port) {
    this.webPort = port || this.webPort || await freePort();
    this.start('web', path.join(BIN, 'web'), [], {
      REDIS_URL: this.redisUrl, WEB_ADDR: '127.0.0.1', WEB_PORT: String(this.webPort), WEB_ROOT, LOG_LEVEL: 'info',
    });
    this.url = `http://127.0.0.1:${this.webPort}`;
    await waitFor(async () => this.alive('web') && (await get(`${this.url}/healthz`)).status === 200, { what: 'web /healthz' });
    return this.url;
  }

  /** SIGTERM, then SIGKILL after `grace` ms; resolves when the process is gone. */
  async stopProcess(name, grace = 5000) {
    const p = this.procs.get(name);
    if (!p || p.exited) return;
    const gone = new Promise((r) => p.child.once('exit', r));
    p.child.kill('SIGTERM');
    const timer = setTimeout(() => p.child.kill('SIGKILL'), grace);
    await gone;
    clearTimeout(timer);
  }

  /**
   * Stops everything (services before Redis) and removes the folder. Throws
   * if a process exited with an error (a crash, or a sanitizer report at exit).
   */
  async stop() {
    for (const name of [...this.procs.keys()].reverse()) await this.stopProcess(name);
    const bad = [...this.procs].filter(([, p]) => p.exited && p.exited.code !== 0)
      .map(([name, p]) => `${name} exited with ${JSON.stringify(p.exited)}:\n${this.logTail(name, 40)}`);
    if (!process.env.KEEP_TEST_DIR && !bad.length) fs.rmSync(this.dir, { recursive: true, force: true });
    else console.log(`# kept ${this.dir}`);
    if (bad.length) throw new Error(bad.join('\n'));
  }
}

/** Headless Debian Chromium with a fresh profile under `dir`. */
export async function launchBrowser(dir) {
  const context = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30000,
    viewport: { width: 1280, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.setDefaultTimeout(10000);
  return context;
}

/** A new page that records console errors, page errors and failed requests into page.errors. */
export async function openPage(context) {
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => page.errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  return page;
}

export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

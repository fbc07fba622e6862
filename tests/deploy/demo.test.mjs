// The README's demo command, run the way a new user runs it: `make demo` in
// the repository, then Ctrl-C. It must come up, show trades from both
// simulated exchanges in the dashboard's API within 10 seconds, and on
// Ctrl-C leave no process and no listening port behind.
//
// Its own RUN_DIR (under run/) and free ports, so it collides with neither a
// `make run` in progress nor a system Redis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from './util.mjs';

const START_DEADLINE_MS = 120_000; // make demo may have to build first
const TRADES_DEADLINE_MS = 10_000;
const STOP_DEADLINE_MS = 20_000;

// A port nothing listens on, from the kernel.
async function freePort() {
  const srv = net.createServer().listen(0, '0.0.0.0');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

async function portIsFree(port) {
  const srv = net.createServer();
  try {
    srv.listen(port, '0.0.0.0');
    await Promise.race([once(srv, 'listening'), once(srv, 'error').then(([err]) => { throw err; })]);
    return true;
  } catch {
    return false;
  } finally {
    srv.close();
  }
}

// pid -> { ppid, pgrp, start } for every live process on the machine; pid and
// start time together name one process even if the pid is reused.
function processes() {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') {
        table.set(Number(entry), { ppid: Number(fields[1]), pgrp: Number(fields[2]), start: fields[19] });
      }
    } catch {
      // exited while we looked
    }
  }
  return table;
}

// Every live process started by `leader` (its process group and descendants),
// as "pid:start".
function family(leader) {
  const table = processes();
  const found = new Set([...table].filter(([, p]) => p.pgrp === leader).map(([pid]) => pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of table) {
      if (!found.has(pid) && (p.ppid === leader || found.has(p.ppid))) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return [...found].map((pid) => `${pid}:${table.get(pid).start}`);
}

// The pids of those "pid:start" entries that are still running.
function alive(entries) {
  const table = processes();
  return [...new Set(entries)].map((e) => e.split(':')).filter(([pid, start]) => table.get(Number(pid))?.start === start)
    .map(([pid]) => Number(pid));
}

async function poll(what, deadlineMs, fn) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > until) throw new Error(`${what}: not within ${deadlineMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Trades of an exchange, through the web service's API (newest first).
async function apiTrades(webPort, exchange) {
  try {
    const products = await (await fetch(`http://127.0.0.1:${webPort}/api/products`)).json();
    for (const p of products.filter((x) => x.exchange === exchange)) {
      const url = `http://127.0.0.1:${webPort}/api/trades?product=${encodeURIComponent(p.id)}&limit=1`;
      const trades = await (await fetch(url)).json();
      if (trades.length > 0) return trades;
    }
  } catch {
    // not up yet
  }
  return null;
}

test('make demo shows trades from both exchanges, and Ctrl-C leaves nothing behind', async () => {
  const ports = {
    REDIS_PORT: await freePort(),
    COINBASE_HEALTH_PORT: await freePort(),
    BITSTAMP_HEALTH_PORT: await freePort(),
    WEB_PORT: await freePort(),
  };
  // Relative: scripts/run.sh places RUN_DIR under the repository.
  const runDir = `run/test-demo-${process.pid}`;
  const env = { ...process.env, RUN_DIR: runDir, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
  // Nothing of the test run leaks in: no make state (make sanitize passes BIN
  // and BUILD down), no Redis or exchange chosen by the caller.
  for (const k of ['MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES', 'BIN', 'BUILD', 'SANITIZE',
    'REDIS_URL', 'COINBASE_URL', 'BITSTAMP_URL', 'WEB_ADDR', 'WEB_ROOT']) delete env[k];

  // Own process group, as a terminal gives a command: Ctrl-C signals the group.
  const demo = spawn('make', ['demo'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  demo.stdout.on('data', (d) => { output += d; });
  demo.stderr.on('data', (d) => { output += d; });
  const exited = once(demo, 'exit');
  let exitedEarly = false;
  exited.then(() => { exitedEarly = true; });
  const context = () => `\n--- make demo output ---\n${output}`;

  // Every process of the demo seen while it runs (pids are checked after Ctrl-C).
  const started = new Set();
  try {
    await poll('make demo ready', START_DEADLINE_MS, () => {
      if (exitedEarly) throw new Error(`make demo exited before it was ready${context()}`);
      for (const pid of family(demo.pid)) started.add(pid);
      return /Press Ctrl-C/.test(output);
    });
    assert.match(output, new RegExp(`http://[^\\s/]+:${ports.WEB_PORT}/?\\b`), `the dashboard URL${context()}`);

    const seen = {};
    await poll('trades from both exchanges', TRADES_DEADLINE_MS, async () => {
      for (const exchange of ['coinbase', 'bitstamp']) {
        seen[exchange] ??= await apiTrades(ports.WEB_PORT, exchange);
      }
      return seen.coinbase && seen.bitstamp;
    }).catch((err) => assert.fail(`${err.message}: saw ${JSON.stringify(seen)}${context()}`));
    for (const exchange of ['coinbase', 'bitstamp']) assert.equal(seen[exchange][0].exchange, exchange);

    // The ports the simulators were given by the OS, from the start-up lines.
    const simPorts = [...output.matchAll(/ws:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    assert.equal(simPorts.length, 2, `two simulators${context()}`);
    for (const pid of family(demo.pid)) started.add(pid);
    assert.ok(started.size >= 7, `make, run.sh, redis, 2 simulators, 3 services: ${[...started]}`);

    // Ctrl-C.
    process.kill(-demo.pid, 'SIGINT');
    let timer;
    const stopped = await Promise.race([exited.then(() => true), new Promise((resolve) => {
      timer = setTimeout(() => resolve(false), STOP_DEADLINE_MS);
    })]);
    clearTimeout(timer);
    const left = alive(started).map((pid) => `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`);
    assert.deepEqual(left, [], `processes left behind after Ctrl-C${context()}`);
    assert.ok(stopped, `make demo still running ${STOP_DEADLINE_MS / 1000} s after Ctrl-C${context()}`);
    for (const port of [...Object.values(ports), ...simPorts]) {
      assert.ok(await portIsFree(port), `port ${port} still in use after Ctrl-C${context()}`);
    }
  } finally {
    // Whatever a failure left running: only the processes this test started.
    for (const pid of alive([...started, ...family(demo.pid)])) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone, as it should be
      }
    }
    demo.stdout.destroy(); // a leftover holding the pipes must not keep the test alive
    demo.stderr.destroy();
    rmSync(path.join(ROOT, runDir), { recursive: true, force: true });
  }
});

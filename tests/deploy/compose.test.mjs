// compose.yaml and its simulator override: docker-compose (Debian's 1.29,
// which needs no engine) validates and renders them; the rendered services
// are then checked against what the programs actually read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { runAsync, serviceVariables, SERVICES } from './util.mjs';

const LIVE = ['-f', 'compose.yaml'];
const SIM = ['-f', 'compose.yaml', '-f', 'compose.sim.yaml'];

// docker-compose takes most of a second to start: run every call at once.
const compose = (files, ...args) => runAsync('docker-compose', [...files, 'config', ...args]);
const checked = { live: compose(LIVE, '-q'), sim: compose(SIM, '-q') };
const renders = new Map([[LIVE, compose(LIVE)], [SIM, compose(SIM)]]);
for (const p of [...Object.values(checked), ...renders.values()]) p.catch(() => {});
const rendered = async (files) => parse(await renders.get(files));

test('docker-compose config -q accepts compose.yaml', async () => {
  await checked.live;
});

test('docker-compose config -q accepts compose.yaml with compose.sim.yaml', async () => {
  await checked.sim;
});

test('every service is restarted, health-checked, and read-only', async () => {
  const { services } = await rendered(LIVE);
  assert.deepEqual(Object.keys(services).sort(), ['bitstamp', 'coinbase', 'redis', 'web']);
  for (const [name, svc] of Object.entries(services)) {
    assert.ok(svc.healthcheck?.test, `${name} has no healthcheck`);
    assert.equal(svc.restart, 'unless-stopped', `${name} restart policy`);
    assert.ok(svc.mem_limit, `${name} has no memory limit`);
    if (name === 'redis') continue;
    assert.equal(svc.read_only, true, `${name} root filesystem is writable`);
    assert.deepEqual(svc.command, [name], `${name} runs its own program`);
    assert.equal(svc.depends_on?.redis?.condition, 'service_healthy', `${name} waits for redis`);
  }
  // The health check polls the port the service listens on.
  assert.deepEqual(services.coinbase.healthcheck.test, ['CMD', 'healthcheck', services.coinbase.environment.HEALTH_PORT]);
  assert.deepEqual(services.bitstamp.healthcheck.test, ['CMD', 'healthcheck', services.bitstamp.environment.HEALTH_PORT]);
  assert.deepEqual(services.web.healthcheck.test, ['CMD', 'healthcheck', services.web.environment.WEB_PORT]);
  assert.ok(services.web.ports.some((p) => String(p.target ?? p).endsWith('8080')), 'web publishes 8080');
  // A stop must outlast the ingest services' drain (SHUTDOWN_TIMEOUT_MS).
  for (const name of ['coinbase', 'bitstamp']) {
    const drainMs = Number(services[name].environment.SHUTDOWN_TIMEOUT_MS);
    assert.ok(parseInt(services[name].stop_grace_period, 10) * 1000 > drainMs, `${name} stop_grace_period`);
  }
});

test('every environment variable set is one the service reads', async () => {
  for (const files of [LIVE, SIM]) {
    const { services } = await rendered(files);
    for (const name of SERVICES) {
      const known = serviceVariables(name);
      if (!known) continue; // not built yet
      for (const key of Object.keys(services[name].environment)) {
        assert.ok(known.has(key), `compose sets ${key} for ${name}, which bin/${name} --help does not list`);
      }
    }
  }
});

test('the simulator override points both ingest services at simulators', async () => {
  const { services } = await rendered(SIM);
  for (const [name, variable] of [['coinbase', 'COINBASE_URL'], ['bitstamp', 'BITSTAMP_URL']]) {
    const sim = services[`${name}-sim`];
    assert.ok(sim, `${name}-sim service`);
    const cmd = sim.command;
    const port = cmd[cmd.indexOf('--port') + 1];
    assert.equal(cmd[0], 'exchange-sim');
    assert.equal(cmd[cmd.indexOf('--exchange') + 1], name);
    assert.equal(cmd[cmd.indexOf('--addr') + 1], '0.0.0.0');
    assert.equal(services[name].environment[variable], `ws://${name}-sim:${port}/`);
    assert.equal(services[name].depends_on[`${name}-sim`]?.condition, 'service_healthy');
  }
});

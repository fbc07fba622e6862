// deploy/Dockerfile, checked without a Docker engine: every shared library
// the built programs load (ldd bin/*) comes from a Debian package that the
// runtime stage installs, directly or as a dependency; the health check
// script the image and compose use works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { ROOT, SERVICES, run } from './util.mjs';

// The runtime stage (the last FROM) and the packages its apt-get installs.
const dockerfile = readFileSync(path.join(ROOT, 'deploy/Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
const stages = dockerfile.split(/^FROM\s/m);
const runtime = stages[stages.length - 1];
const runtimePackages = [...runtime.matchAll(/apt-get install ([^&\n]*)/g)]
  .flatMap((m) => m[1].split(/\s+/))
  .filter((w) => w && !w.startsWith('-'));

// Installed packages: name -> { base, deps }. base: part of every Debian
// image (Essential or Priority required). deps: Depends and Pre-Depends,
// every alternative (apt picks one of them).
function installedPackages() {
  const out = run('dpkg-query', ['-W', '-f', '${Package}\t${Essential}\t${Priority}\t${Depends}, ${Pre-Depends}\n']);
  const packages = new Map();
  for (const line of out.trim().split('\n')) {
    const [name, essential, priority, deps] = line.split('\t');
    packages.set(name, {
      base: essential === 'yes' || priority === 'required',
      deps: deps.split(/[,|]/).map((d) => d.trim().split(/[\s:(]/)[0]).filter(Boolean),
    });
  }
  return packages;
}

// The package owning each file, one dpkg -S for all (a path may be
// registered under /lib or /usr/lib on a merged-/usr system).
function owners(files) {
  const candidates = files.flatMap((f) => [f, f.startsWith('/usr/') ? f.slice(4) : `/usr${f}`, realpathSync(f)]);
  // dpkg -S exits 1 when any one path is unknown, and still prints the others.
  const out = spawnSync('dpkg', ['-S', ...new Set(candidates)], { encoding: 'utf8' }).stdout ?? '';
  const owner = new Map();
  for (const m of out.matchAll(/^([^\s:,]+)(?::[a-z0-9]+)?: (\/\S+)$/gm)) owner.set(m[2], m[1]);
  return new Map(files.map((f) => [f, owner.get(f) ?? owner.get(f.startsWith('/usr/') ? f.slice(4) : `/usr${f}`)
    ?? owner.get(realpathSync(f))]));
}

test('the runtime stage installs the library packages by their Debian 12 names', () => {
  assert.ok(runtimePackages.length > 0, 'no apt-get install in the runtime stage');
  const packages = installedPackages();
  for (const p of runtimePackages) {
    if (packages.has(p)) continue;
    assert.match(run('apt-cache', ['show', '--no-all-versions', p]), /^Package: /m, `${p} is not a Debian package`);
  }
  // dlopen()ed by libwebsockets at run time: no package depends on it, ldd does not show it.
  assert.ok(runtimePackages.includes('libwebsockets-evlib-uv'), 'libwebsockets-evlib-uv missing');
  assert.ok(runtimePackages.includes('ca-certificates'), 'ca-certificates missing (TLS to the exchanges)');
});

test('every library the programs link is installed in the runtime stage', (t) => {
  const bins = readdirSync(path.join(ROOT, 'bin')).map((b) => path.join(ROOT, 'bin', b));
  for (const name of SERVICES) {
    if (!bins.includes(path.join(ROOT, 'bin', name))) return t.skip(`bin/${name} not built (run make)`);
  }
  const libs = new Set();
  for (const bin of bins) {
    const out = run('ldd', [bin]);
    assert.doesNotMatch(out, /not found/, `${bin}: ${out}`);
    for (const m of out.matchAll(/=> (\/\S+)/g)) libs.add(m[1]);
  }
  const packages = installedPackages();
  // Everything apt-get would install for the runtime list, plus the base image.
  const present = new Set([...packages].filter(([, p]) => p.base).map(([name]) => name));
  const todo = [...runtimePackages];
  while (todo.length) {
    const name = todo.pop();
    if (present.has(name) && !runtimePackages.includes(name)) continue;
    present.add(name);
    for (const dep of packages.get(name)?.deps ?? []) if (!present.has(dep)) todo.push(dep);
  }
  for (const [lib, owner] of owners([...libs])) {
    assert.ok(owner, `no Debian package owns ${lib}`);
    assert.ok(present.has(owner), `${lib} comes from ${owner}, which the runtime stage does not install`);
  }
});

test('the image copies every service program and the dashboard', () => {
  assert.match(runtime, /COPY --from=build \/src\/bin\/ \/usr\/local\/bin\//);
  const www = runtime.match(/COPY --from=build \/src\/(?!bin\/)(\S+?)\/? (\S+?)\/?\n/);
  assert.ok(www, 'no COPY of the dashboard files');
  assert.match(runtime, new RegExp(`ENV WEB_ROOT=${www[2]}\\b`), 'WEB_ROOT is where the dashboard is copied');
  assert.match(runtime, /^USER 10001/m, 'runs as the non-root user 10001');
});

test('deploy/healthcheck passes on 200 and fails otherwise', async () => {
  const sim = spawn(path.join(ROOT, 'bin/exchange-sim'), ['--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    const port = await new Promise((resolve, reject) => {
      sim.on('error', reject);
      sim.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/ready port=(\d+)/);
        if (m) resolve(m[1]);
      });
    });
    const check = (...args) => {
      try {
        run(path.join(ROOT, 'deploy/healthcheck'), args, { timeout: 10000 });
        return true;
      } catch {
        return false;
      }
    };
    assert.equal(check(port, '/control/stats'), true, '200 passes');
    assert.equal(check(port, '/no-such-path'), false, '404 fails');
    sim.kill('SIGTERM');
    await once(sim, 'exit');
    assert.equal(check(port, '/control/stats'), false, 'a closed port fails');
  } finally {
    sim.kill('SIGKILL');
  }
});

test('build stage makes what the runtime stage copies', () => {
  const build = stages.find((s) => /AS build/.test(s));
  assert.ok(build, 'no build stage');
  assert.match(build, /npm ci/, 'dashboard dependencies from the lock file');
  assert.ok(existsSync(path.join(ROOT, 'package-lock.json')), 'package-lock.json is committed');
});

// Helpers shared by the deployment checks (tests/deploy/*.test.mjs).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVICES = ['coinbase', 'bitstamp', 'web'];

// Runs a program from the repository root and returns its stdout; throws with
// its stderr on a non-zero exit or a missing program.
export function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  } catch (err) {
    if (err.code === 'ENOENT') {
      throw new Error(`${cmd} is not installed; scripts/install-deps.sh installs it`);
    }
    throw new Error(`${cmd} ${args.join(' ')} failed (${err.status}):\n${err.stderr || err.message}`);
  }
}

// The environment variables a service reads, from its --help
// ("  NAME   meaning" lines), or null when bin/<name> is not built.
export function serviceVariables(name) {
  const bin = path.join(ROOT, 'bin', name);
  if (!existsSync(bin)) return null;
  const help = run(bin, ['--help']);
  return new Set([...help.matchAll(/^ {2}([A-Z][A-Z0-9_]+) {2,}/gm)].map((m) => m[1]));
}

// The same as run(), without blocking: independent checks start together.
export function runAsync(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if (err.code === 'ENOENT') {
        return reject(new Error(`${cmd} is not installed; scripts/install-deps.sh installs it`));
      }
      reject(new Error(`${cmd} ${args.join(' ')} failed (${err.code}):\n${stderr || err.message}`));
    });
  });
}

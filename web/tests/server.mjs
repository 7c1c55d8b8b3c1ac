// Starts the real `dealbrain serve` on a temporary SQLite database and a free port, the way
// crates/app/tests/common/mod.rs does, and talks GraphQL to it.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');

/** The dealbrain binary: $DEALBRAIN_BIN, else $CARGO_TARGET_DIR or target, debug then release. */
export function findBinary() {
  if (process.env.DEALBRAIN_BIN) return process.env.DEALBRAIN_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(repoRoot, 'target');
  for (const profile of ['debug', 'release']) {
    const p = join(target, profile, 'dealbrain');
    if (existsSync(p)) return p;
  }
  throw new Error(`no dealbrain binary under ${target}; run cargo build -p app or set DEALBRAIN_BIN`);
}

export class Server {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'dealbrain-web-'));
    this.bin = findBinary();
    this.port = 0;
    this.base = '';
    this.proc = null;
    this.log = [];
  }

  /** Starts the server (on the previous port when restarting) and waits until it is valued. */
  async start() {
    const env = {
      PATH: process.env.PATH,
      API_HOST: '127.0.0.1',
      API_PORT: String(this.port),
      WORKER_METRICS_PORT: '0',
      DATABASE_URL: `sqlite://${join(this.dir, 'db.sqlite')}?mode=rwc`,
      ADMIN_TOKEN_FILE: join(this.dir, 'admin-token'),
      LOG_LEVEL: process.env.DEALBRAIN_LOG_LEVEL || 'warn',
      // the browser, the test's GraphQL calls and the server share 127.0.0.1
      API_RATE_PER_SECOND: '1000',
      API_RATE_BURST: '2000',
    };
    const proc = spawn(this.bin, ['serve'], { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    // never outlive the test process (a failed or interrupted run)
    const reap = () => proc.kill('SIGKILL');
    process.once('exit', reap);
    proc.once('exit', () => process.removeListener('exit', reap));
    const announced = new Promise((resolveAddr, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${this.log.join('')}`)), 120_000);
      const onData = (chunk) => {
        const s = chunk.toString();
        this.log.push(s);
        const m = s.match(/Deal Brain API on http:\/\/([0-9.]+):(\d+)/);
        if (m) {
          clearTimeout(timer);
          resolveAddr(Number(m[2]));
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${this.log.join('')}`));
      });
    });
    this.port = await announced;
    this.base = `http://127.0.0.1:${this.port}`;
    // every seeded listing valued (serve values them at start)
    for (let i = 0; i < 240; i++) {
      try {
        const d = await this.gql('{ listings(first: 1, filter: {statuses: [ACTIVE]}, orderBy: {field: UPDATED_AT, direction: ASC}) { totalCount nodes { valuedAt } } }');
        if (d.listings.totalCount > 0 && d.listings.nodes[0].valuedAt) return;
      } catch {
        /* not ready yet */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('listings were never valued');
  }

  /** Stops the server with SIGTERM and waits for it to exit. */
  async stop() {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    this.proc = null;
    p.removeAllListeners('exit');
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }

  async dispose() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  adminToken() {
    return readFileSync(join(this.dir, 'admin-token'), 'utf8').trim();
  }

  /** One GraphQL operation; throws on errors. */
  async gql(query, variables = {}, token = null) {
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${this.base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const body = await res.json();
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  }
}

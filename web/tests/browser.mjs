// Shared by the browser tests: Chromium's launch arguments, where screenshots go, a page that
// records external requests and console errors (and serves web/ from disk with WEB_FROM_DISK=1),
// and waiting for recalculations.

import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '..');
export const shots = resolve(process.env.SCREENSHOT_DIR || join(webDir, 'screenshots'));
mkdirSync(shots, { recursive: true });

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// A page fulfilled by the test (WEB_FROM_DISK) is not "local" to Chromium, which would then
// block its WebSocket to 127.0.0.1.
const DEV_ARGS = process.env.WEB_FROM_DISK === '1' ? ['--disable-features=LocalNetworkAccessChecks'] : [];
export const ARGS = [...DEV_ARGS, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** External request URLs and console errors of every page made by `newPage`. */
export const external = [];
export const consoleErrors = [];

export async function newPage(ctx) {
  const p = await ctx.newPage();
  p.on('request', (r) => {
    const u = new URL(r.url());
    if (u.hostname !== '127.0.0.1' && u.protocol !== 'data:') external.push(r.url());
  });
  p.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  p.on('pageerror', (e) => consoleErrors.push(String(e)));
  // WEB_FROM_DISK=1 serves web/ from disk instead of the embedded copy (edit without rebuilding)
  if (process.env.WEB_FROM_DISK === '1') {
    await p.route(/\/assets\/[^/]+$|\/$|\/#/, (route) => {
      const url = new URL(route.request().url());
      const name = url.pathname === '/' ? 'index.html' : url.pathname.replace('/assets/', '');
      const type = name.endsWith('.js') ? 'text/javascript' : name.endsWith('.css') ? 'text/css' : name.endsWith('.svg') ? 'image/svg+xml' : 'text/html';
      route.fulfill({ status: 200, contentType: type, body: readFileSync(join(webDir, name)) });
    });
  }
  return p;
}

/**
 * Waits until no recalculation job is queued or running.
 * @param {import('./server.mjs').Server} server
 */
export async function waitIdle(server) {
  for (let i = 0; i < 200; i++) {
    const d = await server.gql('{ jobs(first: 10) { nodes { status } } }');
    if (!d.jobs.nodes.some((j) => j.status === 'QUEUED' || j.status === 'RUNNING')) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error('recalculation never finished');
}


/**
 * Sets the value of the seeded rule `RAM per GB` ($ per GB of RAM, for RAM ≥ 16 GB).
 * @param {import('./server.mjs').Server} server @param {number} value
 */
export async function setRamRule(server, value) {
  // one change at a time: on SQLite a write racing the worker's batch can fail with
  // "database is locked" (SQLITE_BUSY_SNAPSHOT), reported to the store's owner
  await waitIdle(server);
  const d = await server.gql('{ rulesets { nodes { groups { rules { id name } } } } }');
  const rule = d.rulesets.nodes.flatMap((rs) => rs.groups.flatMap((g) => g.rules)).find((r) => r.name === 'RAM per GB');
  if (!rule) throw new Error('seeded rule RAM per GB is missing');
  await server.gql('mutation($id: ID!, $input: RuleInput!) { updateRule(id: $id, input: $input) { version } }', { id: rule.id, input: { actions: [{ type: 'per_unit', metric: 'per_gb', value }] } }, server.adminToken());
}

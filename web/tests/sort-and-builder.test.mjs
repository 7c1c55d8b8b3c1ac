// Browser tests of the board's column sorts, the ranked board past its first 100 rows, and the
// rules page's condition builder, against the real `dealbrain serve` with 500 seeded listings.
// Run through ../run-browser-tests.sh (see board.test.mjs for the rest of the board).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { Server } from './server.mjs';
import { ARGS, CHROMIUM, consoleErrors, external, newPage, setRamRule, shots, waitIdle } from './browser.mjs';

/** @type {Server} */ let server;
/** @type {import('playwright-core').Browser} */ let browser;
/** @type {import('playwright-core').Page} */ let page;

const colValues = async (col) => page.locator(`#board-rows td[data-col="${col}"]`).allTextContents();
const rowIds = async () => page.locator('#board-rows tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
/** `+12.5 %` / `−3.0 %` → number, `—` → null */
const pctOf = (s) => (s.trim() === '—' ? null : Number(s.replace('−', '-').replace(/[^0-9.\-]/g, '')));
const summaryMatches = (re) => page.waitForFunction((src) => new RegExp(src).test(document.getElementById('board-summary')?.textContent || ''), re.source);

/** Present values ordered by `cmp` (≤ 0 between neighbours), missing ones (null) after them. */
function assertOrdered(values, cmp, what) {
  const n = values.findIndex((v) => v === null);
  const present = n < 0 ? values : values.slice(0, n);
  if (n >= 0) assert.ok(values.slice(n).every((v) => v === null), `${what}: missing values last ${values}`);
  for (let i = 1; i < present.length; i++) assert.ok(cmp(present[i - 1], present[i]) <= 0, `${what} at ${i}: ${present}`);
}

describe('board sorts, rank pages and the rule builder in Chromium', () => {
  before(async () => {
    server = new Server();
    await server.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await newPage(context);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.dispose();
  });

  it('sorts by Δ % and by CPU both ways, with aria-sort and cursor pages', async () => {
    await page.goto(`${server.base}/`);
    await page.locator('#board-rows tr').first().waitFor();
    // every data column has a sort button
    const sortable = await page.locator('#board thead th button.sort').count();
    assert.equal(sortable, (await page.locator('#board thead th').count()) - 1, 'all but the position column');

    await page.click('button.sort[data-sort="DELTA_PCT"]');
    await summaryMatches(/sorted by Δ % ascending/);
    const up = (await colValues('deltaPct')).map(pctOf);
    assertOrdered(up, (a, b) => a - b, 'Δ % ascending');
    assert.equal(await page.locator('th[data-col="deltaPct"]').getAttribute('aria-sort'), 'ascending');
    assert.equal(await page.locator('th[aria-sort]').count(), 1, 'one sorted column');
    assert.ok(up[0] < up[up.length - 1], `values vary: ${up}`);

    await page.click('button.sort[data-sort="DELTA_PCT"]');
    await summaryMatches(/sorted by Δ % descending/);
    const down = (await colValues('deltaPct')).map(pctOf);
    assertOrdered(down, (a, b) => b - a, 'Δ % descending');
    assert.equal(await page.locator('th[data-col="deltaPct"]').getAttribute('aria-sort'), 'descending');
    await page.click('#next-page');
    await summaryMatches(/Listings 26–50 of/);
    const next = (await colValues('deltaPct')).map(pctOf);
    assert.ok(next[0] <= down[down.length - 1], `page 2 continues page 1: ${down} | ${next}`);

    await page.click('button.sort[data-sort="CPU"]');
    await summaryMatches(/sorted by CPU ascending/);
    assert.match(page.url(), /sort=CPU&dir=ASC/);
    const lower = (s) => (s === '—' ? null : s.toLowerCase());
    const cpus = (await colValues('cpu')).map(lower);
    assertOrdered(cpus, (a, b) => (a < b ? -1 : a > b ? 1 : 0), 'CPU ascending');
    assert.equal(await page.locator('th[data-col="cpu"]').getAttribute('aria-sort'), 'ascending');
    await page.click('#next-page');
    await summaryMatches(/Listings 26–50 of/);
    const cpus2 = (await colValues('cpu')).map(lower);
    assert.ok(cpus2[0] >= cpus[cpus.length - 1], `page 2 continues page 1: ${cpus2[0]} after ${cpus[cpus.length - 1]}`);
    await page.click('#prev-page');
    await summaryMatches(/Listings 1–25 of/);
    assert.deepEqual((await colValues('cpu')).map(lower), cpus);
    await page.click('button.sort[data-sort="CPU"]');
    await summaryMatches(/sorted by CPU descending/);
    assertOrdered((await colValues('cpu')).map(lower), (a, b) => (a > b ? -1 : a < b ? 1 : 0), 'CPU descending');
    await page.screenshot({ path: join(shots, 'board-sorted-cpu.png') });
  });

  it('pages the ranked board past its first 100 rows and keeps those rows current', async () => {
    await page.goto(`${server.base}/#/`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('#board-rows tr').length === 25);
    for (let n = 50; n <= 125; n += 25) {
      await page.click('#show-more');
      await page.waitForFunction((n) => document.querySelectorAll('#board-rows tr').length === n, n);
    }
    await summaryMatches(/Top 125 of \d+ active listings/);
    const ids = await rowIds();
    assert.equal(new Set(ids).size, 125, 'no row twice');
    assert.deepEqual((await colValues('rank')).map(Number), Array.from({ length: 125 }, (_, i) => i + 1));
    const scores = (await colValues('score')).map((s) => (s === '—' ? null : Number(s.replace(/,/g, ''))));
    assertOrdered(scores, (a, b) => b - a, 'ranked by score across the 100-row boundary');

    /** The server's rows 101–125 of the board: the rank order after its 100th row. */
    const serverTail = async () => {
      const vars = { f: { statuses: ['ACTIVE'] }, o: { field: 'BOARD_RANK' } };
      const q = 'query($f: ListingFilterInput, $o: ListingOrder, $after: String, $n: Int) { listings(filter: $f, orderBy: $o, first: $n, after: $after) { pageInfo { endCursor } nodes { id adjustedPrice } } }';
      const top = await server.gql(q, { ...vars, n: 100 });
      const d = await server.gql(q, { ...vars, n: 25, after: top.listings.pageInfo.endCursor });
      return d.listings.nodes;
    };
    assert.deepEqual(ids.slice(100), (await serverTail()).map((l) => l.id), 'rows 101–125 continue the board');

    // a rule change moves the board; the rows past 100 follow it without a reload
    const money = (s) => (s === '—' ? null : Number(s.replace(/[^0-9.\-]/g, '')));
    await setRamRule(server, -7);
    await waitIdle(server);
    const want = await serverTail();
    await page.waitForFunction(
      (want) => {
        const trs = [...document.querySelectorAll('#board-rows tr')].slice(100);
        return trs.length === want.length && trs.every((tr, i) => tr.getAttribute('data-id') === want[i].id);
      },
      want,
      { timeout: 30_000 },
    );
    const shown = (await colValues('adjustedPrice')).slice(100).map(money);
    assert.deepEqual(shown, want.map((l) => (l.adjustedPrice === null ? null : Number(l.adjustedPrice))));
  });

  it('builds a nested condition with the builder, previews and saves it', async () => {
    await page.goto(`${server.base}/`);
    await page.evaluate((t) => localStorage.setItem('dealbrain.token', t), server.adminToken());
    await page.goto(`${server.base}/#/rules`);
    await page.reload(); // the header reads the token at load
    await page.locator('#who', { hasText: 'admin' }).waitFor();
    const li = page.locator('li.rule', { hasText: 'NVMe bonus' });
    await li.locator('button.edit').click();
    const rootGroup = li.locator('fieldset.cond-group[data-path="conditions"]');
    assert.equal(await rootGroup.locator('.cond-leaf').count(), 1, 'the stored leaf is shown');

    await li.locator('fieldset.cond-group[data-path="conditions"] > .cond-buttons .cond-add').click();
    const ram = li.locator('.cond-leaf[data-path="conditions.conditions[1]"]');
    await ram.locator('select.cond-field').selectOption('listing.ram_gb');
    const ramOps = await ram.locator('select.cond-op option').evaluateAll((os) => os.map((o) => o.getAttribute('value')));
    assert.ok(ramOps.includes('between') && !ramOps.includes('contains'), `numeric operators: ${ramOps}`);
    await ram.locator('select.cond-op').selectOption('between');
    assert.equal(await ram.locator('input.cond-value').count(), 2, 'between takes two numbers');
    await ram.locator('input.cond-value').nth(0).fill('100');
    await ram.locator('input.cond-value').nth(1).fill('64');

    await li.locator('fieldset.cond-group[data-path="conditions"] > .cond-buttons .cond-add-group').click();
    const not = 'fieldset.cond-group[data-path="conditions.conditions[2]"]';
    await li.locator(`${not} > legend select.cond-logic`).selectOption('not');
    await li.locator(`${not} > .cond-buttons .cond-add`).click();
    const ff = li.locator('.cond-leaf[data-path="conditions.conditions[2].conditions[0]"]');
    await ff.locator('select.cond-field').selectOption('listing.form_factor');
    const ffOps = await ff.locator('select.cond-op option').evaluateAll((os) => os.map((o) => o.getAttribute('value')));
    assert.ok(ffOps.includes('contains') && !ffOps.includes('between'), `text operators: ${ffOps}`);
    await ff.locator('select.cond-op').selectOption('in');
    await ff.locator('input.cond-value').fill('Tower, Rack');
    await li.locator('input.act-value').first().fill('-12');

    // the server refuses min > max, and the error is shown at that leaf
    await li.locator('form.rule-editor button[type="submit"]').click();
    await ram.locator('.field-error:not([hidden])').waitFor();
    assert.match(await ram.locator('.field-error:not([hidden])').textContent(), /conditions\.conditions\[1\]\.value/);

    await ram.locator('input.cond-value').nth(0).fill('8');
    await li.locator('button.preview-btn').click();
    await page.locator('#preview-result').waitFor();
    assert.match(await page.locator('#preview-result').textContent(), /Matched \d+ of \d+/);
    const want = {
      logic: 'and',
      conditions: [
        { field: 'primary_storage_medium', operator: 'equals', value: 'nvme' },
        { field: 'listing.ram_gb', operator: 'between', value: [8, 64] },
        { logic: 'not', conditions: [{ field: 'listing.form_factor', operator: 'in', value: ['Tower', 'Rack'] }] },
      ],
    };
    assert.deepEqual(JSON.parse(await li.locator('textarea[name="conditions"]').inputValue()), want, 'the JSON view mirrors the builder');
    await page.screenshot({ path: join(shots, 'rules-builder.png'), fullPage: false });

    await waitIdle(server);
    await li.locator('form.rule-editor button[type="submit"]').click();
    await page.locator('#recalc[data-status="SUCCEEDED"]').waitFor({ timeout: 30_000 });
    const d = await server.gql('{ rulesets { nodes { groups { rules { name conditions actions } } } } }');
    const rule = d.rulesets.nodes.flatMap((rs) => rs.groups.flatMap((g) => g.rules)).find((r) => r.name === 'NVMe bonus');
    assert.deepEqual(rule.conditions, want);
    assert.equal(rule.actions[0].type, 'additive');
    assert.equal(Number(rule.actions[0].value), -12, 'the actions editor set the value');
  });

  it('made no external requests and logged no errors', () => {
    assert.deepEqual(external, []);
    const real = consoleErrors.filter((e) => !/WebSocket|Failed to load resource/.test(e));
    assert.deepEqual(real, []);
  });
});

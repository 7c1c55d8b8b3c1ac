// @ts-check
// Listing detail: facts, the valuation breakdown (ruleset → rule → action, with errors and
// warnings), a price / adjusted-price history chart in SVG, and links. Refreshed live when
// the listing is revalued.

import { gql } from './gql.js';
import { lastBoardHash } from './board.js';
import { h, svg, money, signedMoney, pct, num, dealBadge, dateTime, errorText, announce } from './util.js';

const DETAIL = `query Detail($id: ID!) {
  listing(id: $id) {
    id databaseId title price adjustedPrice delta deltaPct dealClass condition status
    manufacturer series deviceModel modelNumber formFactor ramGb primaryStorageGb primaryStorageType
    seller listingUrl otherUrls notes priceDate valuedAt
    dollarPerCpuMarkMulti dollarPerCpuMarkMultiAdjusted dollarPerCpuMarkSingle dollarPerCpuMarkSingleAdjusted
    perfPerWatt scoreComposite scoreCpuMulti scoreCpuSingle scoreGpu
    scores { profile { id name } score }
    cpu { name cpuMarkMulti cpuMarkSingle tdpW cores threads }
    gpu { name gpuMark }
    valuationBreakdown {
      mode floored listingPrice adjustedPrice totalAdjustment evaluatedAt
      warnings { code message rulesetId }
      rulesets {
        id name layer priority adjustment
        rules { ruleId ruleName groupName matched adjustment error
          actions { actionType metric value contribution error } }
      }
    }
    valuationHistory(first: 100) { at price adjustedPrice dealClass cause jobId }
  }
}`;

const UPDATES = `subscription DetailUpdates($filter: ValuationEventFilter) {
  listingValuationUpdated(filter: $filter) {
    __typename
    ... on ListingValuationUpdate { listingId adjustedPrice }
    ... on Resync { reason }
  }
}`;

/**
 * The history chart: list price and adjusted price over time (oldest left).
 * @param {any[]} history newest first
 * @returns {Element}
 */
export function historyChart(history) {
  const points = history
    .map((e) => ({ t: new Date(e.at).getTime(), p: Number(e.price), a: e.adjustedPrice === null ? null : Number(e.adjustedPrice) }))
    .filter((e) => Number.isFinite(e.t))
    .reverse();
  if (!points.length) return h('p', { class: 'empty' }, 'No valuation history yet.');
  const W = 640;
  const H = 220;
  const pad = { l: 64, r: 16, t: 16, b: 36 };
  const values = points.flatMap((e) => (e.a === null ? [e.p] : [e.p, e.a]));
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1) {
    hi += 10;
    lo = Math.max(0, lo - 10);
  }
  const t0 = points[0].t;
  const t1 = points[points.length - 1].t;
  const x = (/** @type {number} */ t, /** @type {number} */ i) =>
    pad.l + (t1 > t0 ? ((t - t0) / (t1 - t0)) * (W - pad.l - pad.r) : points.length > 1 ? (i / (points.length - 1)) * (W - pad.l - pad.r) : (W - pad.l - pad.r) / 2);
  const y = (/** @type {number} */ v) => pad.t + (1 - (v - lo) / (hi - lo)) * (H - pad.t - pad.b);
  /** @param {'p'|'a'} k */
  const line = (k) => {
    /** @type {string[]} */
    const pts = [];
    points.forEach((e, i) => {
      const v = e[k];
      if (v !== null) pts.push(`${x(e.t, i).toFixed(1)},${y(v).toFixed(1)}`);
    });
    // a single point still shows as a short flat line
    if (pts.length === 1) {
      const [px, py] = pts[0].split(',').map(Number);
      return [`${px - 6},${py}`, `${px + 6},${py}`].join(' ');
    }
    return pts.join(' ');
  };
  const g = svg('g', { class: 'axes' });
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    const yy = y(v);
    g.append(svg('line', { x1: pad.l, x2: W - pad.r, y1: yy, y2: yy, class: 'grid' }));
    g.append(svg('text', { x: pad.l - 6, y: yy + 4, 'text-anchor': 'end' }, money(v)));
  }
  g.append(svg('text', { x: pad.l, y: H - 10 }, new Date(t0).toLocaleDateString()));
  g.append(svg('text', { x: W - pad.r, y: H - 10, 'text-anchor': 'end' }, new Date(t1).toLocaleString()));
  const dots = svg('g', { class: 'dots' });
  points.forEach((e, i) => {
    if (e.a !== null) {
      const c = svg('circle', { cx: x(e.t, i), cy: y(e.a), r: 3, class: 'adjusted' });
      c.append(svg('title', {}, `${new Date(e.t).toLocaleString()}: adjusted ${money(e.a)}, list ${money(e.p)}`));
      dots.append(c);
    }
  });
  const title = svg('title', {}, 'List price and adjusted price over time');
  return h(
    'figure',
    { class: 'chart' },
    svg(
      'svg',
      { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `Price history, ${points.length} valuations`, id: 'history-chart' },
      title,
      g,
      svg('polyline', { points: line('p'), class: 'line-price', fill: 'none' }),
      svg('polyline', { points: line('a'), class: 'line-adjusted', fill: 'none' }),
      dots,
    ),
    h('figcaption', null, h('span', { class: 'key key-price' }, 'List price'), ' ', h('span', { class: 'key key-adjusted' }, 'Adjusted price')),
  );
}

/** @param {any} b the ValuationBreakdown @returns {HTMLElement} */
function breakdownView(b) {
  if (!b) return h('p', { class: 'empty' }, 'This listing has not been valued yet.');
  const warnings = b.warnings.length
    ? h('ul', { class: 'warnings' }, b.warnings.map((/** @type {any} */ w) => h('li', { class: 'warning' }, h('strong', null, w.code), ' ', w.message)))
    : null;
  const sets = b.rulesets.map((/** @type {any} */ rs) => {
    const rows = rs.rules.map((/** @type {any} */ r) => {
      const actions = r.actions.length
        ? h(
            'ul',
            { class: 'actions' },
            r.actions.map((/** @type {any} */ a) =>
              h(
                'li',
                { class: a.error ? 'has-error' : null },
                h('code', null, a.actionType),
                a.metric ? ` on ${a.metric}` : '',
                a.value !== null && a.value !== undefined ? ` (${num(a.value, 4)})` : '',
                ' → ',
                h('span', { class: 'num' }, signedMoney(a.contribution)),
                a.error ? h('span', { class: 'err' }, ` ${a.error}`) : '',
              ),
            ),
          )
        : null;
      return h(
        'tr',
        { class: r.matched ? 'matched' : 'unmatched', 'data-rule': r.ruleName },
        h('td', null, r.groupName),
        h('th', { scope: 'row' }, r.ruleName, actions, r.error ? h('p', { class: 'err' }, `Condition error: ${r.error}`) : null),
        h('td', null, r.matched ? 'matched' : 'no match'),
        h('td', { class: 'num' }, signedMoney(r.adjustment)),
      );
    });
    return h(
      'section',
      { class: 'ruleset', 'data-ruleset': rs.name },
      h('h3', null, rs.name, ' ', h('small', null, `${rs.layer} · priority ${rs.priority}`), h('span', { class: 'num total' }, signedMoney(rs.adjustment))),
      h(
        'table',
        { class: 'breakdown' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Group'), h('th', { scope: 'col' }, 'Rule and actions'), h('th', { scope: 'col' }, 'Matched'), h('th', { scope: 'col', class: 'num' }, 'Adjustment'))),
        h('tbody', null, rows),
      ),
    );
  });
  return h(
    'div',
    { class: 'breakdown-view', id: 'breakdown' },
    h(
      'p',
      { class: 'totals' },
      `List ${money(b.listingPrice)} `,
      h('span', { class: 'num' }, signedMoney(b.totalAdjustment)),
      ` = adjusted ${money(b.adjustedPrice)}`,
      b.floored ? ' (floored at $0)' : '',
      h('small', null, ` · ${b.mode} selection · valued ${dateTime(b.evaluatedAt)}`),
    ),
    warnings,
    sets.length ? sets : h('p', { class: 'empty' }, 'No ruleset applied.'),
  );
}

/** @param {string} label @param {any} value */
function fact(label, value) {
  return [h('dt', null, label), h('dd', null, value === null || value === undefined || value === '' ? '—' : value)];
}

/**
 * @param {HTMLElement} root
 * @param {import('./gql.js').LiveClient} live
 * @param {string} id the listing's global id
 * @returns {() => void}
 */
export function mountDetail(root, live, id) {
  let disposed = false;
  const body = h('div', { class: 'detail-body', 'aria-busy': 'true' }, h('p', null, 'Loading…'));
  root.replaceChildren(h('section', { class: 'detail' }, h('p', null, h('a', { href: lastBoardHash, class: 'back' }, '← Back to the board')), body));

  async function load(flash = false) {
    let d;
    try {
      d = await gql(DETAIL, { id });
    } catch (e) {
      if (!disposed) body.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(e)));
      return;
    }
    if (disposed) return;
    const l = d.listing;
    body.setAttribute('aria-busy', 'false');
    if (!l) {
      body.replaceChildren(h('p', { class: 'empty' }, 'This listing does not exist (it may have been deleted).'));
      return;
    }
    document.title = `${l.title} — Deal Brain`;
    const urls = Array.isArray(l.otherUrls) ? l.otherUrls : [];
    const links = [
      l.listingUrl ? h('li', null, h('a', { href: l.listingUrl, rel: 'noopener noreferrer', target: '_blank' }, 'The offer')) : null,
      ...urls.map((/** @type {any} */ u) => h('li', null, h('a', { href: u.url, rel: 'noopener noreferrer', target: '_blank' }, u.label || u.url))),
      h('li', null, h('a', { href: `/graphql` }, 'GraphiQL'), ` (listing id ${l.id})`),
    ];
    const headline = h(
      'div',
      { class: `headline${flash ? ' flash' : ''}`, id: 'headline' },
      h('h1', null, l.title),
      h(
        'p',
        { class: 'prices' },
        h('span', null, 'List ', h('strong', null, money(l.price))),
        h('span', null, 'Adjusted ', h('strong', { id: 'detail-adjusted' }, money(l.adjustedPrice))),
        h('span', null, 'Δ ', h('strong', null, `${signedMoney(l.delta)} (${pct(l.deltaPct)})`)),
        dealBadge(l.dealClass),
      ),
    );
    body.replaceChildren(
      headline,
      h(
        'div',
        { class: 'detail-grid' },
        h(
          'section',
          { 'aria-labelledby': 'facts-h' },
          h('h2', { id: 'facts-h' }, 'Machine'),
          h(
            'dl',
            { class: 'facts' },
            fact('Manufacturer', [l.manufacturer, l.series].filter(Boolean).join(' ')),
            fact('Model', l.modelNumber && !(l.deviceModel || '').includes(l.modelNumber) ? `${l.deviceModel || ''} ${l.modelNumber}`.trim() : l.deviceModel),
            fact('Form factor', l.formFactor),
            fact('CPU', l.cpu ? `${l.cpu.name} (${num(l.cpu.cpuMarkMulti, 0)} multi / ${num(l.cpu.cpuMarkSingle, 0)} single${l.cpu.tdpW ? `, ${l.cpu.tdpW} W` : ''})` : null),
            fact('GPU', l.gpu ? `${l.gpu.name}${l.gpu.gpuMark ? ` (${num(l.gpu.gpuMark, 0)})` : ''}` : null),
            fact('RAM', l.ramGb ? `${l.ramGb} GB` : null),
            fact('Storage', l.primaryStorageGb ? `${l.primaryStorageGb} GB ${l.primaryStorageType || ''}` : null),
            fact('Condition', String(l.condition).toLowerCase()),
            fact('Seller', l.seller),
            fact('Status', String(l.status).toLowerCase()),
          ),
        ),
        h(
          'section',
          { 'aria-labelledby': 'metrics-h' },
          h('h2', { id: 'metrics-h' }, 'Metrics'),
          h(
            'dl',
            { class: 'facts' },
            fact('$/multi mark (adjusted / list)', `${num(l.dollarPerCpuMarkMultiAdjusted, 4)} / ${num(l.dollarPerCpuMarkMulti, 4)}`),
            fact('$/single mark (adjusted / list)', `${num(l.dollarPerCpuMarkSingleAdjusted, 4)} / ${num(l.dollarPerCpuMarkSingle, 4)}`),
            fact('Perf per watt', num(l.perfPerWatt, 2)),
            ...l.scores.map((/** @type {any} */ s) => fact(`Score · ${s.profile.name}`, num(s.score, 2))),
            fact('Valued', dateTime(l.valuedAt)),
          ),
          h('h2', null, 'Links'),
          h('ul', { class: 'links' }, links),
        ),
      ),
      h('section', { 'aria-labelledby': 'breakdown-h' }, h('h2', { id: 'breakdown-h' }, 'Valuation breakdown'), breakdownView(l.valuationBreakdown)),
      h('section', { 'aria-labelledby': 'history-h' }, h('h2', { id: 'history-h' }, 'Price history'), historyChart(l.valuationHistory), historyTable(l.valuationHistory)),
      ...(l.notes ? [h('section', null, h('h2', null, 'Notes'), h('p', null, l.notes))] : []),
    );
    if (flash) announce(`${l.title} revalued: adjusted ${money(l.adjustedPrice)}`);
  }

  load();
  const stop = live.subscribe(UPDATES, { filter: { listingIds: [id] } }, { next: () => load(true), error: () => {} });
  return () => {
    disposed = true;
    stop();
    document.title = 'Deal Brain — live deal board';
  };
}

/** @param {any[]} history */
function historyTable(history) {
  if (!history.length) return null;
  return h(
    'details',
    { class: 'history-table' },
    h('summary', null, `All ${history.length} valuations`),
    h(
      'table',
      null,
      h('thead', null, h('tr', null, ...['When', 'List', 'Adjusted', 'Class', 'Cause'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, history.map((e) => h('tr', null, h('td', null, dateTime(e.at)), h('td', { class: 'num' }, money(e.price)), h('td', { class: 'num' }, money(e.adjustedPrice)), h('td', null, dealBadge(e.dealClass)), h('td', null, String(e.cause).toLowerCase().replace(/_/g, ' '))))),
    ),
  );
}

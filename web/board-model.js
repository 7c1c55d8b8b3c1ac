// @ts-check
// The board's model: GraphQL documents, columns (each with the ListingOrderField it sorts by),
// and the state ↔ URL hash ↔ filter input mappings. `board.js` mounts the view.

import { h, money, signedMoney, pct, num, dealBadge } from './util.js';

export const ROW_FIELDS = `
  id databaseId title price adjustedPrice delta deltaPct dealClass
  dollarPerCpuMarkMulti dollarPerCpuMarkMultiAdjusted dollarPerCpuMarkSingle dollarPerCpuMarkSingleAdjusted
  scoreComposite scores { profile { id } score }
  cpu { name } gpu { name } ramGb primaryStorageGb primaryStorageType formFactor manufacturer`;

export const BOARD_SUB = `subscription Board($profileId: ID, $filter: ListingFilterInput, $first: Int!) {
  dealBoard(profileId: $profileId, filter: $filter, first: $first) {
    reason profileId at listings { ${ROW_FIELDS} }
  }
}`;

export const LISTINGS = `query Listings($filter: ListingFilterInput, $orderBy: ListingOrder,
    $first: Int, $after: String, $last: Int, $before: String) {
  listings(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { ${ROW_FIELDS} }
  }
}`;

export const COUNT = `query Count($filter: ListingFilterInput) { listings(filter: $filter, first: 1) { totalCount } }`;

export const PROFILES = `query Profiles { scoringProfiles(first: 100) { nodes { id name isDefault } } }`;

export const UPDATES = `subscription Updates($filter: ValuationEventFilter) {
  listingValuationUpdated(filter: $filter) {
    __typename
    ... on ListingValuationUpdate { listingId cause listing { ${ROW_FIELDS} } }
    ... on Resync { reason missed }
  }
}`;

export const PAGE = 25;

/** The most rows the live `dealBoard` subscription carries; rank pages beyond come from `listings`. */
export const BOARD_MAX = 100;

/**
 * @typedef {object} Column
 * @property {string} key
 * @property {string} label
 * @property {string} [title] a longer header description
 * @property {string} [order] the ListingOrderField (or RANK) it sorts by
 * @property {boolean} [numeric]
 * @property {(l: any, st: BoardState) => Node|string} cell
 */

/**
 * @typedef {object} BoardState
 * @property {string} profile
 * @property {string} sort 'RANK' (the board of the profile) or a ListingOrderField
 * @property {'ASC'|'DESC'} dir
 * @property {Record<string, string>} f filter inputs (strings, as typed)
 */

/** @param {any} l @param {BoardState} st */
export function scoreOf(l, st) {
  const s = (l.scores || []).find((/** @type {any} */ x) => x.profile && x.profile.id === st.profile);
  return s ? s.score : l.scoreComposite;
}

/** @type {Column[]} */
export const COLUMNS = [
  // The row's position in the current order (not a value of the listing, so not a sort).
  { key: 'rank', label: '#', title: 'Position in this order', numeric: true, cell: () => '' },
  {
    key: 'title',
    label: 'Listing',
    order: 'TITLE',
    cell: (l) => h('a', { href: `#/listing/${encodeURIComponent(l.id)}`, class: 'title-link' }, l.title),
  },
  { key: 'price', label: 'Price', order: 'PRICE', numeric: true, cell: (l) => money(l.price) },
  { key: 'adjustedPrice', label: 'Adjusted', title: 'Adjusted price', order: 'ADJUSTED_PRICE', numeric: true, cell: (l) => money(l.adjustedPrice) },
  { key: 'delta', label: 'Δ', title: 'List − adjusted price (positive = saving)', order: 'DELTA', numeric: true, cell: (l) => signedMoney(l.delta) },
  { key: 'deltaPct', label: 'Δ %', title: 'Delta as a percentage of the list price', order: 'DELTA_PCT', numeric: true, cell: (l) => pct(l.deltaPct) },
  { key: 'dealClass', label: 'Deal', title: 'Deal class, great deal first when ascending', order: 'DEAL_CLASS', cell: (l) => dealBadge(l.dealClass) },
  { key: 'dpmMultiAdj', label: '$/multi adj', title: 'Adjusted $ per multi-thread CPU mark', order: 'DOLLAR_PER_CPU_MARK_MULTI_ADJUSTED', numeric: true, cell: (l) => num(l.dollarPerCpuMarkMultiAdjusted, 4) },
  { key: 'dpmMulti', label: '$/multi', title: 'List $ per multi-thread CPU mark', order: 'DOLLAR_PER_CPU_MARK_MULTI', numeric: true, cell: (l) => num(l.dollarPerCpuMarkMulti, 4) },
  { key: 'dpmSingleAdj', label: '$/single adj', title: 'Adjusted $ per single-thread CPU mark', order: 'DOLLAR_PER_CPU_MARK_SINGLE_ADJUSTED', numeric: true, cell: (l) => num(l.dollarPerCpuMarkSingleAdjusted, 4) },
  { key: 'dpmSingle', label: '$/single', title: 'List $ per single-thread CPU mark', order: 'DOLLAR_PER_CPU_MARK_SINGLE', numeric: true, cell: (l) => num(l.dollarPerCpuMarkSingle, 4) },
  { key: 'score', label: 'Score', title: 'Composite score under the chosen profile (sorting by it ranks the board)', order: 'RANK', numeric: true, cell: (l, st) => num(scoreOf(l, st), 2) },
  { key: 'cpu', label: 'CPU', title: 'CPU name', order: 'CPU', cell: (l) => (l.cpu ? l.cpu.name : '—') },
  { key: 'gpu', label: 'GPU', title: 'GPU name', order: 'GPU', cell: (l) => (l.gpu ? l.gpu.name : '—') },
  { key: 'ram', label: 'RAM', order: 'RAM', numeric: true, cell: (l) => (l.ramGb ? `${l.ramGb} GB` : '—') },
  {
    key: 'storage',
    label: 'Storage',
    title: 'Primary storage size',
    order: 'STORAGE',
    numeric: true,
    cell: (l) => (l.primaryStorageGb ? `${l.primaryStorageGb} GB${l.primaryStorageType ? ` ${l.primaryStorageType}` : ''}` : '—'),
  },
  { key: 'formFactor', label: 'Form factor', order: 'FORM_FACTOR', cell: (l) => l.formFactor || '—' },
];

export const FILTER_KEYS = ['q', 'pmin', 'pmax', 'ff', 'mfr', 'ram', 'dc'];

/** @param {URLSearchParams} p @returns {BoardState} */
export function stateFrom(p) {
  /** @type {Record<string, string>} */
  const f = {};
  for (const k of FILTER_KEYS) f[k] = p.get(k) || '';
  const dir = p.get('dir') === 'ASC' ? 'ASC' : p.get('dir') === 'DESC' ? 'DESC' : null;
  const sort = p.get('sort') || 'RANK';
  return { profile: p.get('profile') || '', sort, dir: dir || (sort === 'RANK' ? 'DESC' : 'ASC'), f };
}

/** @param {BoardState} st @returns {string} */
export function hashOf(st) {
  const p = new URLSearchParams();
  if (st.profile) p.set('profile', st.profile);
  if (!isLive(st)) {
    p.set('sort', st.sort);
    p.set('dir', st.dir);
  }
  for (const k of FILTER_KEYS) if (st.f[k]) p.set(k, st.f[k]);
  const s = p.toString();
  return s ? `#/?${s}` : '#/';
}

/** @param {Record<string, string>} f @returns {Record<string, any>|null} the ListingFilterInput */
export function filterInput(f) {
  /** @type {Record<string, any>} */
  const out = {};
  if (f.q.trim()) out.search = f.q.trim();
  if (f.pmin && Number.isFinite(Number(f.pmin))) out.priceMin = String(Number(f.pmin));
  if (f.pmax && Number.isFinite(Number(f.pmax))) out.priceMax = String(Number(f.pmax));
  if (f.ff.trim()) out.formFactor = f.ff.trim();
  if (f.mfr.trim()) out.manufacturer = f.mfr.trim();
  if (f.ram && Number(f.ram) > 0) out.minRamGb = Number(f.ram);
  if (f.dc) out.dealClasses = f.dc.split(',').filter(Boolean);
  return Object.keys(out).length ? out : null;
}

/** @param {any} l @param {BoardState} st @returns {string} what a live update may change */
export function signature(l, st) {
  return [l.price, l.adjustedPrice, l.dealClass, l.deltaPct, scoreOf(l, st), l.dollarPerCpuMarkMultiAdjusted].join('|');
}


/** @param {BoardState} st @returns {boolean} the live ranked board (best first) is shown */
export function isLive(st) {
  return st.sort === 'RANK' && st.dir === 'DESC';
}

/**
 * The `listings` order of a state: `RANK` is the board's `BOARD_RANK` for the profile (its
 * ascending = best first, so the board's "descending score" is `ASC`).
 * @param {BoardState} st
 */
export function orderOf(st) {
  if (st.sort !== 'RANK') return { field: st.sort, direction: st.dir };
  return { field: 'BOARD_RANK', direction: st.dir === 'DESC' ? 'ASC' : 'DESC', profileId: st.profile || null };
}

/**
 * The filter of a state; the board shows active listings only (as `dealBoard` does), so rank
 * pages and counts ask for the same.
 * @param {BoardState} st @returns {Record<string, any>|null}
 */
export function filterOf(st) {
  const f = filterInput(st.f);
  return st.sort === 'RANK' ? { ...(f || {}), statuses: ['ACTIVE'] } : f;
}

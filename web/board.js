// @ts-check
// The deal board: listings ranked by a scoring profile (the `dealBoard` subscription) or
// sorted by a column (the `listings` connection, cursor pages, patched live by
// `listingValuationUpdated`). Filters, sort and profile live in the URL hash; rows are
// updated in place (keyed by id) so scroll position and filter inputs survive live updates.

import { gql, GqlError } from './gql.js';
import { h, money, signedMoney, pct, num, dealBadge, debounce, announce, errorText, DEAL_CLASSES } from './util.js';

const ROW_FIELDS = `
  id databaseId title price adjustedPrice delta deltaPct dealClass
  dollarPerCpuMarkMulti dollarPerCpuMarkMultiAdjusted dollarPerCpuMarkSingle dollarPerCpuMarkSingleAdjusted
  scoreComposite scores { profile { id } score }
  cpu { name } gpu { name } ramGb primaryStorageGb primaryStorageType formFactor manufacturer`;

const BOARD_SUB = `subscription Board($profileId: ID, $filter: ListingFilterInput, $first: Int!) {
  dealBoard(profileId: $profileId, filter: $filter, first: $first) {
    reason profileId at listings { ${ROW_FIELDS} }
  }
}`;

const LISTINGS = `query Listings($filter: ListingFilterInput, $orderBy: ListingOrder,
    $first: Int, $after: String, $last: Int, $before: String) {
  listings(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { ${ROW_FIELDS} }
  }
}`;

const COUNT = `query Count($filter: ListingFilterInput) { listings(filter: $filter, first: 1) { totalCount } }`;

const PROFILES = `query Profiles { scoringProfiles(first: 100) { nodes { id name isDefault } } }`;

const UPDATES = `subscription Updates($filter: ValuationEventFilter) {
  listingValuationUpdated(filter: $filter) {
    __typename
    ... on ListingValuationUpdate { listingId cause listing { ${ROW_FIELDS} } }
    ... on Resync { reason missed }
  }
}`;

const PAGE = 25;

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
 * @property {string} sort 'RANK' or a ListingOrderField
 * @property {'ASC'|'DESC'} dir
 * @property {Record<string, string>} f filter inputs (strings, as typed)
 */

/** @param {any} l @param {BoardState} st */
function scoreOf(l, st) {
  const s = (l.scores || []).find((/** @type {any} */ x) => x.profile && x.profile.id === st.profile);
  return s ? s.score : l.scoreComposite;
}

/** @type {Column[]} */
const COLUMNS = [
  { key: 'rank', label: '#', cell: () => '' },
  {
    key: 'title',
    label: 'Listing',
    order: 'TITLE',
    cell: (l) => h('a', { href: `#/listing/${encodeURIComponent(l.id)}`, class: 'title-link' }, l.title),
  },
  { key: 'price', label: 'Price', order: 'PRICE', numeric: true, cell: (l) => money(l.price) },
  { key: 'adjustedPrice', label: 'Adjusted', title: 'Adjusted price', order: 'ADJUSTED_PRICE', numeric: true, cell: (l) => money(l.adjustedPrice) },
  { key: 'delta', label: 'Δ', title: 'List − adjusted price (positive = saving)', numeric: true, cell: (l) => signedMoney(l.delta) },
  { key: 'deltaPct', label: 'Δ %', title: 'Delta as a percentage of the list price', numeric: true, cell: (l) => pct(l.deltaPct) },
  { key: 'dealClass', label: 'Deal', cell: (l) => dealBadge(l.dealClass) },
  { key: 'dpmMultiAdj', label: '$/multi adj', title: 'Adjusted $ per multi-thread CPU mark', order: 'DOLLAR_PER_CPU_MARK_MULTI_ADJUSTED', numeric: true, cell: (l) => num(l.dollarPerCpuMarkMultiAdjusted, 4) },
  { key: 'dpmMulti', label: '$/multi', title: 'List $ per multi-thread CPU mark', order: 'DOLLAR_PER_CPU_MARK_MULTI', numeric: true, cell: (l) => num(l.dollarPerCpuMarkMulti, 4) },
  { key: 'dpmSingleAdj', label: '$/single adj', title: 'Adjusted $ per single-thread CPU mark', order: 'DOLLAR_PER_CPU_MARK_SINGLE_ADJUSTED', numeric: true, cell: (l) => num(l.dollarPerCpuMarkSingleAdjusted, 4) },
  { key: 'dpmSingle', label: '$/single', title: 'List $ per single-thread CPU mark', order: 'DOLLAR_PER_CPU_MARK_SINGLE', numeric: true, cell: (l) => num(l.dollarPerCpuMarkSingle, 4) },
  { key: 'score', label: 'Score', title: 'Composite score under the chosen profile (sorting by it ranks the board)', order: 'RANK', numeric: true, cell: (l, st) => num(scoreOf(l, st), 2) },
  { key: 'cpu', label: 'CPU', cell: (l) => (l.cpu ? l.cpu.name : '—') },
  { key: 'gpu', label: 'GPU', cell: (l) => (l.gpu ? l.gpu.name : '—') },
  { key: 'ram', label: 'RAM', numeric: true, cell: (l) => (l.ramGb ? `${l.ramGb} GB` : '—') },
  {
    key: 'storage',
    label: 'Storage',
    cell: (l) => (l.primaryStorageGb ? `${l.primaryStorageGb} GB${l.primaryStorageType ? ` ${l.primaryStorageType}` : ''}` : '—'),
  },
  { key: 'formFactor', label: 'Form factor', cell: (l) => l.formFactor || '—' },
];

const FILTER_KEYS = ['q', 'pmin', 'pmax', 'ff', 'mfr', 'ram', 'dc'];

/** @param {URLSearchParams} p @returns {BoardState} */
function stateFrom(p) {
  /** @type {Record<string, string>} */
  const f = {};
  for (const k of FILTER_KEYS) f[k] = p.get(k) || '';
  const dir = p.get('dir') === 'ASC' ? 'ASC' : p.get('dir') === 'DESC' ? 'DESC' : null;
  const sort = p.get('sort') || 'RANK';
  return { profile: p.get('profile') || '', sort, dir: dir || (sort === 'RANK' ? 'DESC' : 'ASC'), f };
}

/** @param {BoardState} st @returns {string} */
function hashOf(st) {
  const p = new URLSearchParams();
  if (st.profile) p.set('profile', st.profile);
  if (st.sort !== 'RANK') {
    p.set('sort', st.sort);
    p.set('dir', st.dir);
  }
  for (const k of FILTER_KEYS) if (st.f[k]) p.set(k, st.f[k]);
  const s = p.toString();
  return s ? `#/?${s}` : '#/';
}

/** @param {Record<string, string>} f @returns {Record<string, any>|null} the ListingFilterInput */
function filterInput(f) {
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
function signature(l, st) {
  return [l.price, l.adjustedPrice, l.dealClass, l.deltaPct, scoreOf(l, st), l.dollarPerCpuMarkMultiAdjusted].join('|');
}

/** The last board URL, so the detail page's "back" keeps the filters. */
export let lastBoardHash = '#/';

/**
 * Mounts the board into `root`.
 * @param {HTMLElement} root
 * @param {import('./gql.js').LiveClient} live
 * @param {URLSearchParams} params
 * @returns {() => void} unmount
 */
export function mountBoard(root, live, params) {
  const st = stateFrom(params);
  /** @type {Array<() => void>} */
  const cleanups = [];
  let disposed = false;
  /** @type {(() => void)|null} */
  let stopData = null;
  let limit = PAGE;
  /** @type {{first: number, after?: string}} */
  let cursor = { first: PAGE };
  /** @type {string[]} the `after` of each earlier page ('' = the first page) */
  let afterStack = [];
  /** @type {Map<string, HTMLTableRowElement>} */
  const rowsById = new Map();
  /** @type {Map<string, string>} */
  const sigById = new Map();
  /** @type {Map<string, any>} */
  const dataById = new Map();
  /** @type {Set<string>} values seen, for the datalists */
  const seenFf = new Set();
  const seenMfr = new Set();

  // --- controls
  const profileSel = /** @type {HTMLSelectElement} */ (h('select', { id: 'profile', name: 'profile', 'aria-label': 'Scoring profile' }));
  const input = (/** @type {string} */ key, /** @type {Record<string, any>} */ attrs) =>
    /** @type {HTMLInputElement} */ (h('input', { ...attrs, name: key, id: `f-${key}`, value: st.f[key] }));
  const search = input('q', { type: 'search', placeholder: 'Title or model…', autocomplete: 'off' });
  const pmin = input('pmin', { type: 'number', min: 0, step: 1, inputmode: 'numeric', placeholder: 'min' });
  const pmax = input('pmax', { type: 'number', min: 0, step: 1, inputmode: 'numeric', placeholder: 'max' });
  const ff = input('ff', { type: 'text', list: 'ff-list', placeholder: 'any' });
  const mfr = input('mfr', { type: 'text', list: 'mfr-list', placeholder: 'any' });
  const ram = /** @type {HTMLSelectElement} */ (
    h('select', { id: 'f-ram', name: 'ram' }, ...['', '4', '8', '16', '32', '64'].map((v) => h('option', { value: v }, v ? `≥ ${v} GB` : 'any')))
  );
  ram.value = st.f.ram;
  const dcSet = new Set(st.f.dc.split(',').filter(Boolean));
  const dcBoxes = DEAL_CLASSES.map(([v, label]) =>
    h('label', { class: 'chip' }, h('input', { type: 'checkbox', name: 'dc', value: v, checked: dcSet.has(v) }), dealBadge(v), h('span', { class: 'sr-only' }, label)),
  );
  const ffList = h('datalist', { id: 'ff-list' });
  const mfrList = h('datalist', { id: 'mfr-list' });
  const clearBtn = h('button', { type: 'button', class: 'secondary', id: 'clear-filters' }, 'Clear filters');

  const form = h(
    'form',
    { class: 'filters', id: 'filters', role: 'search', 'aria-label': 'Filter listings', onsubmit: (/** @type {Event} */ e) => e.preventDefault() },
    h('label', null, 'Profile', profileSel),
    h('label', { class: 'grow' }, 'Search', search),
    h('fieldset', { class: 'range' }, h('legend', null, 'Price $'), pmin, h('span', { 'aria-hidden': 'true' }, '–'), pmax),
    h('label', null, 'Form factor', ff),
    h('label', null, 'Manufacturer', mfr),
    h('label', null, 'RAM', ram),
    h('fieldset', { class: 'classes' }, h('legend', null, 'Deal class'), dcBoxes),
    clearBtn,
    ffList,
    mfrList,
  );

  const summary = h('p', { class: 'summary', id: 'board-summary', 'aria-live': 'polite' }, 'Loading…');
  const errorBox = h('div', { class: 'error', role: 'alert', hidden: true });
  const thead = h('thead');
  const tbody = /** @type {HTMLTableSectionElement} */ (h('tbody', { id: 'board-rows' }));
  const table = h('table', { class: 'board', id: 'board', 'aria-describedby': 'board-summary' }, h('caption', { class: 'sr-only' }, 'Listings'), thead, tbody);
  const empty = h('p', { class: 'empty', hidden: true }, 'No listing matches these filters.');
  const prevBtn = h('button', { type: 'button', id: 'prev-page', class: 'secondary' }, '← Previous');
  const nextBtn = h('button', { type: 'button', id: 'next-page', class: 'secondary' }, 'Next →');
  const moreBtn = h('button', { type: 'button', id: 'show-more', class: 'secondary' }, 'Show more');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' }, prevBtn, moreBtn, nextBtn);

  root.replaceChildren(
    h('section', { class: 'board-view', 'aria-labelledby': 'board-h' }, h('h1', { id: 'board-h', class: 'sr-only' }, 'Deal board'), form, summary, errorBox, h('div', { class: 'table-wrap', tabindex: 0, 'aria-label': 'Listings table, scrolls sideways' }, table), empty, pager),
  );

  // --- header with sort buttons
  function renderHead() {
    const tr = h('tr');
    for (const c of COLUMNS) {
      const active = c.order && (c.order === st.sort);
      const arrow = active ? (st.dir === 'ASC' ? ' ▲' : ' ▼') : '';
      /** @type {'ascending'|'descending'|null} */
      const ariaSort = active ? (st.dir === 'ASC' ? 'ascending' : 'descending') : null;
      const content = c.order
        ? h('button', { type: 'button', class: 'sort', 'data-sort': c.order, title: c.title || null, onclick: () => sortBy(/** @type {string} */ (c.order)) }, c.label, h('span', { 'aria-hidden': 'true' }, arrow))
        : h('span', { title: c.title || null }, c.label);
      tr.append(h('th', { scope: 'col', class: `${c.numeric ? 'num ' : ''}col-${c.key}`, 'aria-sort': ariaSort, 'data-col': c.key }, content));
    }
    thead.replaceChildren(tr);
  }

  /** @param {string} order */
  function sortBy(order) {
    if (order === 'RANK') {
      st.sort = 'RANK';
      st.dir = 'DESC';
    } else if (st.sort === order) {
      st.dir = st.dir === 'ASC' ? 'DESC' : 'ASC';
    } else {
      st.sort = order;
      st.dir = 'ASC';
    }
    renderHead();
    reload();
  }

  /** @param {any} l @param {number} rank @returns {HTMLTableRowElement} */
  function renderRow(l, rank) {
    let tr = rowsById.get(l.id);
    if (!tr) {
      tr = /** @type {HTMLTableRowElement} */ (h('tr', { 'data-id': l.id }));
      rowsById.set(l.id, tr);
    }
    const cells = COLUMNS.map((c) => {
      const td = h('td', { class: `${c.numeric ? 'num ' : ''}col-${c.key}`, 'data-col': c.key });
      td.append(c.key === 'rank' ? String(rank) : c.cell(l, st));
      return td;
    });
    tr.replaceChildren(...cells);
    tr.dataset.dealClass = l.dealClass || '';
    if (l.formFactor) seenFf.add(l.formFactor);
    if (l.manufacturer) seenMfr.add(l.manufacturer);
    return tr;
  }

  /** @param {HTMLTableRowElement} tr */
  function flash(tr) {
    tr.classList.remove('flash');
    void tr.offsetWidth; // restart the animation
    tr.classList.add('flash');
    tr.dataset.updatedAt = String(Date.now());
    setTimeout(() => tr.classList.remove('flash'), 3000);
  }

  /**
   * Replaces the rows by `listings` (in order), flashing the ones whose values changed.
   * @param {any[]} listings @param {boolean} flashChanges @param {number} offset
   */
  function setRows(listings, flashChanges, offset) {
    const keep = new Set(listings.map((l) => l.id));
    for (const id of [...rowsById.keys()]) {
      if (!keep.has(id)) {
        rowsById.get(id)?.remove();
        rowsById.delete(id);
        sigById.delete(id);
        dataById.delete(id);
      }
    }
    let changed = 0;
    listings.forEach((l, i) => {
      const sig = signature(l, st);
      const before = sigById.get(l.id);
      const tr = renderRow(l, offset + i + 1);
      tbody.append(tr); // moves existing rows into the new order
      if (flashChanges && before !== undefined && before !== sig) {
        flash(tr);
        changed += 1;
      }
      sigById.set(l.id, sig);
      dataById.set(l.id, l);
    });
    empty.hidden = listings.length > 0;
    table.hidden = listings.length === 0;
    ffList.replaceChildren(...[...seenFf].sort().map((v) => h('option', { value: v })));
    mfrList.replaceChildren(...[...seenMfr].sort().map((v) => h('option', { value: v })));
    if (changed) announce(`${changed} listing${changed === 1 ? '' : 's'} updated`);
  }

  /** @param {unknown} e */
  function showError(e) {
    errorBox.hidden = false;
    errorBox.textContent = e instanceof GqlError && e.code === 'UNAUTHENTICATED' ? `${errorText(e)} — sign in with an API token.` : errorText(e);
  }
  function clearError() {
    errorBox.hidden = true;
    errorBox.textContent = '';
  }

  /** Restarts the data feed for the current state. */
  function reload() {
    lastBoardHash = hashOf(st);
    if (location.hash !== lastBoardHash && (location.hash || '#/') !== lastBoardHash) history.replaceState(null, '', lastBoardHash);
    if (stopData) stopData();
    stopData = null;
    for (const id of [...rowsById.keys()]) rowsById.get(id)?.remove();
    rowsById.clear();
    sigById.clear();
    dataById.clear();
    cursor = { first: PAGE };
    afterStack = [];
    limit = PAGE;
    shown = 0;
    countSeq += 1;
    summary.textContent = 'Loading…';
    if (st.sort === 'RANK') startRank();
    else loadPage();
  }

  let total = 0;
  let countSeq = 0;
  async function refreshCount() {
    const seq = countSeq;
    try {
      const d = await gql(COUNT, { filter: filterInput(st.f) });
      if (seq !== countSeq || disposed) return;
      total = d.listings.totalCount;
      updateSummary();
    } catch {
      /* the feed reports errors */
    }
  }

  let shown = 0;
  let pageStart = 0;
  function updateSummary() {
    const profile = profileSel.selectedOptions[0] ? profileSel.selectedOptions[0].textContent : '';
    if (st.sort === 'RANK') {
      summary.textContent = `Top ${shown} of ${total} listings, ranked by ${profile || 'the default profile'} · live`;
    } else {
      const col = COLUMNS.find((c) => c.order === st.sort);
      summary.textContent = shown
        ? `Listings ${pageStart + 1}–${pageStart + shown} of ${total}, sorted by ${col ? col.label : st.sort} ${st.dir === 'ASC' ? 'ascending' : 'descending'}`
        : `0 of ${total} listings`;
    }
  }

  // --- ranked mode: the dealBoard subscription
  function startRank() {
    pager.dataset.mode = 'rank';
    prevBtn.hidden = true;
    nextBtn.hidden = true;
    moreBtn.hidden = false;
    refreshCount();
    const vars = { profileId: st.profile || null, filter: filterInput(st.f), first: limit };
    let initial = true;
    const stop = live.subscribe(BOARD_SUB, vars, {
      next: (d) => {
        clearError();
        const snap = d.dealBoard;
        setRows(snap.listings, !initial && snap.reason === 'CHANGED', 0);
        if (snap.reason !== 'CHANGED') refreshCount();
        initial = false;
        shown = snap.listings.length;
        moreBtn.hidden = shown < limit || limit >= 100;
        updateSummary();
      },
      error: (e) => showError(e),
    });
    stopData = stop;
  }

  // --- sorted mode: listings pages + listingValuationUpdated for the rows shown
  let pageSeq = 0;
  async function loadPage() {
    pager.dataset.mode = 'pages';
    moreBtn.hidden = true;
    prevBtn.hidden = false;
    nextBtn.hidden = false;
    const seq = ++pageSeq;
    let d;
    try {
      d = await gql(LISTINGS, { filter: filterInput(st.f), orderBy: { field: st.sort, direction: st.dir }, ...cursor });
    } catch (e) {
      if (seq === pageSeq) showError(e);
      return;
    }
    if (seq !== pageSeq || disposed) return;
    clearError();
    const conn = d.listings;
    countSeq += 1;
    total = conn.totalCount;
    const flashChanges = rowsById.size > 0;
    pageStart = afterStack.length * PAGE;
    setRows(conn.nodes, flashChanges, pageStart);
    shown = conn.nodes.length;
    const pi = conn.pageInfo;
    /** @type {HTMLButtonElement} */ (prevBtn).disabled = afterStack.length === 0;
    /** @type {HTMLButtonElement} */ (nextBtn).disabled = !pi.hasNextPage;
    nextBtn.dataset.cursor = pi.endCursor || '';
    updateSummary();
    watchRows(conn.nodes.map((/** @type {any} */ l) => l.id));
  }

  /** @param {string[]} ids */
  function watchRows(ids) {
    if (stopData) stopData();
    stopData = null;
    if (!ids.length) return;
    stopData = live.subscribe(UPDATES, { filter: { listingIds: ids } }, {
      next: (d) => {
        const m = d.listingValuationUpdated;
        if (m.__typename === 'Resync') {
          loadPage();
          return;
        }
        const tr = rowsById.get(m.listingId);
        if (!tr || !m.listing) return;
        const rank = Number(tr.firstElementChild ? tr.firstElementChild.textContent : 0);
        renderRow(m.listing, rank);
        const sig = signature(m.listing, st);
        if (sigById.get(m.listingId) !== sig) {
          flash(tr);
          announce(`${m.listing.title} updated: adjusted ${money(m.listing.adjustedPrice)}`);
        }
        sigById.set(m.listingId, sig);
        dataById.set(m.listingId, m.listing);
      },
      error: (e) => showError(e),
    });
  }

  nextBtn.addEventListener('click', () => {
    if (!nextBtn.dataset.cursor) return;
    afterStack.push(cursor.after || '');
    cursor = { first: PAGE, after: nextBtn.dataset.cursor };
    loadPage();
  });
  prevBtn.addEventListener('click', () => {
    if (!afterStack.length) return;
    const after = afterStack.pop();
    cursor = after ? { first: PAGE, after } : { first: PAGE };
    loadPage();
  });
  moreBtn.addEventListener('click', () => {
    limit = Math.min(100, limit + PAGE);
    if (stopData) stopData();
    startRank();
  });

  // --- filter inputs
  const applyFilters = () => {
    st.f.q = search.value;
    st.f.pmin = pmin.value;
    st.f.pmax = pmax.value;
    st.f.ff = ff.value;
    st.f.mfr = mfr.value;
    st.f.ram = ram.value;
    st.f.dc = [...form.querySelectorAll('input[name="dc"]:checked')].map((i) => /** @type {HTMLInputElement} */ (i).value).join(',');
    reload();
  };
  const applySoon = debounce(applyFilters, 300);
  for (const el of [search, pmin, pmax, ff, mfr]) el.addEventListener('input', applySoon);
  ram.addEventListener('change', applyFilters);
  for (const b of form.querySelectorAll('input[name="dc"]')) b.addEventListener('change', applyFilters);
  clearBtn.addEventListener('click', () => {
    for (const el of [search, pmin, pmax, ff, mfr]) el.value = '';
    ram.value = '';
    for (const b of form.querySelectorAll('input[name="dc"]')) /** @type {HTMLInputElement} */ (b).checked = false;
    applyFilters();
  });
  profileSel.addEventListener('change', () => {
    st.profile = profileSel.value;
    reload();
  });

  // keyboard: j/k move between rows, Enter opens the listing
  table.addEventListener('keydown', (ev) => {
    const e = /** @type {KeyboardEvent} */ (ev);
    const a = /** @type {HTMLElement|null} */ (document.activeElement);
    if (!a || !a.classList.contains('title-link')) return;
    const tr = a.closest('tr');
    if (!tr) return;
    const next = e.key === 'ArrowDown' || e.key === 'j' ? tr.nextElementSibling : e.key === 'ArrowUp' || e.key === 'k' ? tr.previousElementSibling : null;
    const link = next && next.querySelector('a.title-link');
    if (link) {
      e.preventDefault();
      /** @type {HTMLElement} */ (link).focus();
    }
  });

  renderHead();
  (async () => {
    try {
      const d = await gql(PROFILES);
      const nodes = d.scoringProfiles.nodes;
      profileSel.replaceChildren(...nodes.map((/** @type {any} */ p) => h('option', { value: p.id }, p.name + (p.isDefault ? ' (default)' : ''))));
      const def = nodes.find((/** @type {any} */ p) => p.isDefault) || nodes[0];
      if (!st.profile || !nodes.some((/** @type {any} */ p) => p.id === st.profile)) st.profile = def ? def.id : '';
      profileSel.value = st.profile;
    } catch (e) {
      showError(e);
    }
    if (!disposed) reload();
  })();

  cleanups.push(() => {
    if (stopData) stopData();
  });
  return () => {
    disposed = true;
    for (const c of cleanups) c();
  };
}

// @ts-check
// The deal board: listings ranked by a scoring profile (the `dealBoard` subscription) or
// sorted by a column (the `listings` connection, cursor pages, patched live by
// `listingValuationUpdated`). Filters, sort and profile live in the URL hash; rows are
// updated in place (keyed by id) so scroll position and filter inputs survive live updates.

import { gql, GqlError } from './gql.js';
import { h, money, dealBadge, debounce, announce, errorText, DEAL_CLASSES } from './util.js';
import { COLUMNS, COUNT, LISTINGS, PAGE, PROFILES, filterOf, hashOf, isLive, orderOf, signature, stateFrom } from './board-model.js';
import { startRankFeed, watchListings } from './board-rank.js';

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
  /** @type {ReturnType<typeof startRankFeed>|null} */
  let rankFeed = null;
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
    if (st.sort === order) {
      st.dir = st.dir === 'ASC' ? 'DESC' : 'ASC';
    } else {
      st.sort = order;
      // The board's rank starts best first (highest score), every other column ascending.
      st.dir = order === 'RANK' ? 'DESC' : 'ASC';
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
    rankFeed = null;
    for (const id of [...rowsById.keys()]) rowsById.get(id)?.remove();
    rowsById.clear();
    sigById.clear();
    dataById.clear();
    cursor = { first: PAGE };
    afterStack = [];
    shown = 0;
    countSeq += 1;
    summary.textContent = 'Loading…';
    if (isLive(st)) startRank();
    else loadPage();
  }

  let total = 0;
  let countSeq = 0;
  async function refreshCount() {
    const seq = countSeq;
    try {
      const d = await gql(COUNT, { filter: filterOf(st) });
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
    if (isLive(st)) {
      summary.textContent = `Top ${shown} of ${total} active listings, ranked by ${profile || 'the default profile'} · live`;
    } else {
      const col = COLUMNS.find((c) => c.order === st.sort);
      summary.textContent = shown
        ? `Listings ${pageStart + 1}–${pageStart + shown} of ${total}, sorted by ${col ? col.label : st.sort} ${st.dir === 'ASC' ? 'ascending' : 'descending'}`
        : `0 of ${total} listings`;
    }
  }

  // --- ranked mode: the live board, then rank pages past it (board-rank.js)
  function startRank() {
    pager.dataset.mode = 'rank';
    prevBtn.hidden = true;
    nextBtn.hidden = true;
    moreBtn.hidden = false;
    refreshCount();
    const feed = startRankFeed(live, st, PAGE, {
      render: (rows, flashChanges) => {
        clearError();
        setRows(rows, flashChanges, 0);
        shown = rows.length;
        updateSummary();
      },
      update: (l) => patchRow(l),
      status: (more, count) => {
        if (count !== null) total = count;
        moreBtn.hidden = !more;
        updateSummary();
      },
      error: (e) => showError(e),
      resynced: () => refreshCount(),
    });
    rankFeed = feed;
    stopData = feed.stop;
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
      d = await gql(LISTINGS, { filter: filterOf(st), orderBy: orderOf(st), ...cursor });
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

  /** @param {any} l new values of a shown row: updated in place (no re-ordering) */
  function patchRow(l) {
    const tr = rowsById.get(l.id);
    if (!tr) return;
    const rank = Number(tr.firstElementChild ? tr.firstElementChild.textContent : 0);
    renderRow(l, rank);
    const sig = signature(l, st);
    if (sigById.get(l.id) !== sig) {
      flash(tr);
      announce(`${l.title} updated: adjusted ${money(l.adjustedPrice)}`);
    }
    sigById.set(l.id, sig);
    dataById.set(l.id, l);
  }

  /** @param {string[]} ids */
  function watchRows(ids) {
    if (stopData) stopData();
    stopData = watchListings(live, ids, { update: patchRow, resync: () => loadPage(), error: (e) => showError(e) });
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
    if (rankFeed) rankFeed.more();
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

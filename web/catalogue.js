// @ts-check
// Catalogue: CPUs and GPUs with search and inline edit of benchmark marks. Saving a mark
// makes the server revalue the listings using that part, which the board shows live.

import { gql, GqlError } from './gql.js';
import { h, num, errorText, announce } from './util.js';

const CPUS = `query Cpus($after: String) { cpus(first: 200, after: $after) {
  pageInfo { hasNextPage endCursor }
  nodes { id name manufacturer cores threads tdpW cpuMarkMulti cpuMarkSingle igpuMark releaseYear } } }`;
const GPUS = `query Gpus($after: String) { gpus(first: 200, after: $after) {
  pageInfo { hasNextPage endCursor }
  nodes { id name manufacturer gpuMark metalScore } } }`;
const UPDATE_CPU = `mutation UpdateCpu($id: ID!, $input: CpuInput!) { updateCpu(id: $id, input: $input) { id cpuMarkMulti cpuMarkSingle igpuMark } }`;
const UPDATE_GPU = `mutation UpdateGpu($id: ID!, $input: GpuInput!) { updateGpu(id: $id, input: $input) { id gpuMark metalScore } }`;

/**
 * Every page of a connection.
 * @param {string} query @param {string} key @returns {Promise<any[]>}
 */
async function all(query, key) {
  /** @type {any[]} */
  const out = [];
  /** @type {string|null} */
  let after = null;
  for (let i = 0; i < 50; i++) {
    const d = await gql(query, { after });
    out.push(...d[key].nodes);
    if (!d[key].pageInfo.hasNextPage) break;
    after = d[key].pageInfo.endCursor;
  }
  return out;
}

/**
 * An editable mark cell: a number input saved on change.
 * @param {any} item @param {string} field @param {(v: number|null) => Promise<any>} saveFn
 */
function markCell(item, field, saveFn) {
  const input = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: 0, step: 1, value: item[field] ?? '', 'aria-label': `${item.name} ${field}`, 'data-field': field }));
  const err = h('span', { class: 'field-error', role: 'alert' });
  input.addEventListener('change', async () => {
    err.textContent = '';
    const v = input.value === '' ? null : Number(input.value);
    try {
      const r = await saveFn(v);
      item[field] = r[field];
      input.classList.add('saved');
      setTimeout(() => input.classList.remove('saved'), 1500);
      announce(`${item.name}: ${field} saved; affected listings are being revalued`);
    } catch (e) {
      err.textContent = e instanceof GqlError && e.code === 'UNAUTHENTICATED' ? 'sign in to edit' : errorText(e);
      input.value = item[field] ?? '';
    }
  });
  return h('td', { class: 'num' }, input, err);
}

/** @param {HTMLElement} root @returns {() => void} */
export function mountCatalogue(root) {
  let disposed = false;
  const search = /** @type {HTMLInputElement} */ (h('input', { type: 'search', id: 'cat-search', placeholder: 'Search CPUs and GPUs…', 'aria-label': 'Search the catalogue' }));
  const cpuBody = h('tbody');
  const gpuBody = h('tbody');
  const status = h('p', { 'aria-live': 'polite' }, 'Loading…');
  /** @type {any[]} */ let cpus = [];
  /** @type {any[]} */ let gpus = [];
  root.replaceChildren(
    h(
      'section',
      { class: 'catalogue' },
      h('h1', null, 'Catalogue'),
      h('p', null, 'Edit a benchmark mark and press Enter or leave the field: listings using that part are revalued and move on the board.'),
      search,
      status,
      h('h2', null, 'CPUs'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'catalogue-table', id: 'cpus' }, h('thead', null, h('tr', null, ...['Name', 'Maker', 'Cores/threads', 'TDP', 'Multi mark', 'Single mark', 'iGPU mark'].map((t) => h('th', { scope: 'col' }, t)))), cpuBody)),
      h('h2', null, 'GPUs'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'catalogue-table', id: 'gpus' }, h('thead', null, h('tr', null, ...['Name', 'Maker', 'G3D mark', 'Metal score'].map((t) => h('th', { scope: 'col' }, t)))), gpuBody)),
    ),
  );
  const render = () => {
    const q = search.value.trim().toLowerCase();
    const match = (/** @type {any} */ x) => !q || `${x.name} ${x.manufacturer}`.toLowerCase().includes(q);
    cpuBody.replaceChildren(
      ...cpus.filter(match).map((c) =>
        h(
          'tr',
          { 'data-id': c.id },
          h('th', { scope: 'row' }, c.name),
          h('td', null, c.manufacturer),
          h('td', null, `${c.cores ?? '—'} / ${c.threads ?? '—'}`),
          h('td', null, c.tdpW ? `${c.tdpW} W` : '—'),
          ...['cpuMarkMulti', 'cpuMarkSingle', 'igpuMark'].map((f) => markCell(c, f, async (v) => (await gql(UPDATE_CPU, { id: c.id, input: { [f]: v } })).updateCpu)),
        ),
      ),
    );
    gpuBody.replaceChildren(
      ...gpus.filter(match).map((g) =>
        h('tr', { 'data-id': g.id }, h('th', { scope: 'row' }, g.name), h('td', null, g.manufacturer), ...['gpuMark', 'metalScore'].map((f) => markCell(g, f, async (v) => (await gql(UPDATE_GPU, { id: g.id, input: { [f]: v } })).updateGpu))),
      ),
    );
    status.textContent = `${num(cpus.filter(match).length, 0)} CPUs, ${num(gpus.filter(match).length, 0)} GPUs`;
  };
  search.addEventListener('input', render);
  (async () => {
    try {
      [cpus, gpus] = await Promise.all([all(CPUS, 'cpus'), all(GPUS, 'gpus')]);
      if (!disposed) render();
    } catch (e) {
      status.textContent = errorText(e);
    }
  })();
  return () => {
    disposed = true;
  };
}

// @ts-check
// Rules: rulesets → groups → rules with active toggles, priority and order; the rule editor
// (rule-editor.js: condition builder, actions editor, preview, field errors), and a progress bar
// fed by `recalculationProgress` after a save.

import { gql, getToken, GqlError } from './gql.js';
import { h, errorText, announce } from './util.js';
import { ruleEditor } from './rule-editor.js';

const RULESETS = `query Rulesets {
  rulesets(first: 100) {
    nodes {
      id databaseId name description priority isActive version metadata
      groups { id databaseId name category isActive displayOrder
        rules { id databaseId name description isActive evaluationOrder conditions actions version } }
    }
  }
  ruleBuilderMetadata { actionTypes logicalOperators metricAliases operators entities { key fields { path valueType } } }
}`;

const UPDATE_RULE = `mutation UpdateRule($id: ID!, $input: RuleInput!) {
  updateRule(id: $id, input: $input) { id name isActive evaluationOrder conditions actions version description }
}`;

const LATEST_JOB = `query LatestJob { jobs(first: 5) { nodes { id status coalescedInto createdAt total processed changed } } }`;

const UPDATE_GROUP = `mutation UpdateGroup($id: ID!, $input: RuleGroupInput!) { updateRuleGroup(id: $id, input: $input) { id isActive displayOrder } }`;

const UPDATE_RULESET = `mutation UpdateRuleset($id: ID!, $input: RulesetInput!) { updateRuleset(id: $id, input: $input) { id isActive priority } }`;

const PROGRESS = `subscription Progress($jobId: UUID!) {
  recalculationProgress(jobId: $jobId) { jobId status total processed changed failed error }
}`;

/**
 * @param {HTMLElement} root
 * @param {import('./gql.js').LiveClient} live
 * @returns {() => void}
 */
export function mountRules(root, live) {
  let disposed = false;
  /** @type {Array<() => void>} */
  const stops = [];
  const status = h('div', { class: 'progress-area', id: 'recalc', 'aria-live': 'polite' });
  const tree = h('div', { class: 'rules-tree', 'aria-busy': 'true' }, h('p', null, 'Loading…'));
  const signedIn = !!getToken();
  /** @type {import('./condition-builder.js').Meta} the builders' fields, operators, action types */
  let meta = { entities: [], operators: [], logicalOperators: ['and', 'or', 'not'], actionTypes: [], metricAliases: [] };
  root.replaceChildren(
    h(
      'section',
      { class: 'rules' },
      h('h1', null, 'Valuation rules'),
      signedIn ? null : h('p', { class: 'note' }, 'Viewer mode: sign in with an editor or admin token to change rules.'),
      status,
      tree,
    ),
  );

  /** Shows the latest job's progress until it finishes. */
  async function watchProgress() {
    const since = Date.now() - 5000;
    status.replaceChildren(h('p', null, 'Recalculating affected listings…'));
    /** @type {any} */
    let job = null;
    for (let i = 0; i < 10 && !disposed; i++) {
      try {
        const d = await gql(LATEST_JOB);
        job = d.jobs.nodes.find((/** @type {any} */ j) => new Date(j.createdAt).getTime() >= since) || null;
        if (job && job.coalescedInto) job = { ...job, id: job.coalescedInto, status: 'QUEUED' };
      } catch {
        job = null;
      }
      if (job) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    if (!job || disposed) {
      status.replaceChildren(h('p', null, 'Saved; the board updates as listings are revalued.'));
      return;
    }
    const bar = /** @type {HTMLProgressElement} */ (h('progress', { max: 1, value: 0, id: 'recalc-progress' }));
    const label = h('span', null, 'queued');
    status.replaceChildren(h('label', { class: 'progress' }, 'Recalculation ', bar, ' ', label));
    const show = (/** @type {any} */ p) => {
      bar.max = Math.max(1, p.total);
      bar.value = p.processed;
      label.textContent = `${p.processed} / ${p.total} listings · ${p.changed} changed · ${String(p.status).toLowerCase()}${p.error ? ` · ${p.error}` : ''}`;
      status.dataset.status = p.status;
    };
    show(job);
    const stop = live.subscribe(PROGRESS, { jobId: job.id }, {
      next: (d) => show(d.recalculationProgress),
      error: (e) => label.append(` (${errorText(e)})`),
      complete: () => announce('Recalculation finished'),
    });
    stops.push(stop);
  }

  /**
   * Saves a change to a rule; returns the server error when refused.
   * @param {string} id @param {Record<string, any>} input
   */
  async function save(id, input) {
    const d = await gql(UPDATE_RULE, { id, input });
    watchProgress();
    return d.updateRule;
  }

  /**
   * An "active" checkbox that saves through `mutation` and reports refusals beside it.
   * @param {any} item @param {string} label @param {string} mutation @param {string} key the mutation's field
   * @param {HTMLElement} container toggles its `inactive` class
   */
  function activeToggle(item, label, mutation, key, container) {
    const box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', checked: item.isActive, 'aria-label': `${label} active` }));
    const err = h('span', { class: 'field-error', role: 'alert' });
    box.addEventListener('change', async () => {
      err.textContent = '';
      const want = box.checked;
      try {
        const d = await gql(mutation, { id: item.id, input: { isActive: want } });
        item.isActive = d[key].isActive;
        container.classList.toggle('inactive', !item.isActive);
        watchProgress();
      } catch (e) {
        box.checked = !want;
        err.textContent = e instanceof GqlError && e.code === 'UNAUTHENTICATED' ? 'sign in to change rules' : errorText(e);
      }
    });
    return h('label', { class: 'toggle' }, box, h('span', { class: 'sr-only' }, 'active'), err);
  }

  /**
   * A number input saved on change (ruleset priority, group display order).
   * @param {any} item @param {string} field @param {string} label @param {string} mutation @param {string} key
   */
  function numberField(item, field, label, mutation, key) {
    const input = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: 0, value: item[field], class: 'small-number', 'aria-label': `${label}` }));
    const err = h('span', { class: 'field-error', role: 'alert' });
    input.addEventListener('change', async () => {
      err.textContent = '';
      try {
        const d = await gql(mutation, { id: item.id, input: { [field]: Number(input.value) } });
        item[field] = d[key][field];
        watchProgress();
      } catch (e) {
        input.value = item[field];
        err.textContent = e instanceof GqlError && e.code === 'UNAUTHENTICATED' ? 'sign in to change rules' : errorText(e);
      }
    });
    return h('label', { class: 'inline-field' }, label, ' ', input, err);
  }

  /** @param {any} rule @param {HTMLElement} li @param {any} r the saved rule */
  function saved(rule, li, r) {
    Object.assign(rule, r);
    li.replaceWith(ruleItem(rule));
    announce(`Saved ${r.name} (version ${r.version})`);
  }

  /** @param {any} rule @returns {HTMLElement} */
  function ruleItem(rule) {
    const li = h('li', { class: `rule${rule.isActive ? '' : ' inactive'}`, 'data-rule-id': rule.id });
    const toggle = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', checked: rule.isActive, 'aria-label': `${rule.name} active` }));
    const err = h('span', { class: 'field-error', role: 'alert' });
    toggle.addEventListener('change', async () => {
      err.textContent = '';
      const want = toggle.checked;
      try {
        const r = await save(rule.id, { isActive: want });
        Object.assign(rule, r);
        li.classList.toggle('inactive', !r.isActive);
      } catch (e) {
        toggle.checked = !want;
        err.textContent = e instanceof GqlError && e.code === 'UNAUTHENTICATED' ? 'sign in to change rules' : errorText(e);
      }
    });
    const summary = h(
      'div',
      { class: 'rule-head' },
      h('label', { class: 'toggle' }, toggle, h('span', { class: 'sr-only' }, 'active')),
      h('span', { class: 'order', title: 'Evaluation order' }, `#${rule.evaluationOrder}`),
      h('strong', null, rule.name),
      h('code', { class: 'actions-summary' }, rule.actions.map((/** @type {any} */ a) => `${a.type}${a.value !== undefined ? ` ${a.value}` : ''}${a.formula ? ` ${a.formula}` : ''}`).join(', ')),
      h('small', null, `v${rule.version}`),
      h('button', { type: 'button', class: 'secondary edit', onclick: () => li.replaceChildren(summary, ruleEditor(rule, meta, { save, saved: (/** @type {any} */ r) => saved(rule, li, r), cancel: () => li.replaceWith(ruleItem(rule)) })) }, 'Edit'),
      err,
    );
    li.append(summary);
    return li;
  }

  async function load() {
    let d;
    try {
      d = await gql(RULESETS);
    } catch (e) {
      tree.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(e)));
      return;
    }
    if (disposed) return;
    meta = d.ruleBuilderMetadata;
    tree.setAttribute('aria-busy', 'false');
    const sets = d.rulesets.nodes;
    if (!sets.length) {
      tree.replaceChildren(h('p', { class: 'empty' }, 'No rulesets yet.'));
      return;
    }
    tree.replaceChildren(
      ...sets.map((/** @type {any} */ rs) => {
        const sec = h('section', { class: `ruleset${rs.isActive ? '' : ' inactive'}`, 'data-ruleset': rs.name });
        sec.append(
          h(
            'div',
            { class: 'set-head' },
            activeToggle(rs, rs.name, UPDATE_RULESET, 'updateRuleset', sec),
            h('h2', null, rs.name, ' ', h('small', null, `v${rs.version}`)),
            numberField(rs, 'priority', 'Priority', UPDATE_RULESET, 'updateRuleset'),
          ),
          rs.description ? h('p', null, rs.description) : '',
          ...rs.groups.map((/** @type {any} */ g) => {
            const gs = h('section', { class: `group${g.isActive ? '' : ' inactive'}` });
            gs.append(
              h('div', { class: 'set-head' }, activeToggle(g, g.name, UPDATE_GROUP, 'updateRuleGroup', gs), h('h3', null, g.name, ' ', h('small', null, g.category)), numberField(g, 'displayOrder', 'Order', UPDATE_GROUP, 'updateRuleGroup')),
              h('ul', { class: 'rule-list' }, g.rules.map(ruleItem)),
            );
            return gs;
          }),
        );
        return sec;
      }),
    );
  }

  load();
  return () => {
    disposed = true;
    for (const s of stops) s();
  };
}

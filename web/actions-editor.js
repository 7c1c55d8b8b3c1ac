// @ts-check
// A structured editor of a rule's actions (DOMAIN.md §4.5): one row per action with its type
// (from `ruleBuilderMetadata.actionTypes`) and the inputs that type takes — value, metric
// (aliases or field paths), benchmark unit, formula — and its modifiers as JSON. Keys the editor
// has no input for are kept as they were. Errors at `actions[i]…` are shown on row i.

import { h } from './util.js';

const UNIT_TYPES = ['per_point', 'per_10_points', 'per_100_points', 'per_1000_points'];

/**
 * @param {import('./condition-builder.js').Meta} meta
 * @param {any[]} initial the stored actions
 * @param {() => void} onChange
 * @returns {{el: HTMLElement, get: () => any[], set: (a: any[]) => void, showError: (path: string, msg: string) => boolean, clearErrors: () => void, valid: () => string|null}}
 */
export function actionsEditor(meta, initial, onChange) {
  /** @type {any[]} */
  let actions = clone(initial);
  /** @type {HTMLElement[]} */
  let rowErrors = [];
  /** @type {string|null} a modifiers text that is not JSON yet */
  let badModifiers = null;
  const el = h('div', { class: 'actions-editor' });
  const metrics = h('datalist', { id: `metrics-${Math.random().toString(36).slice(2)}` }, [...meta.metricAliases, ...meta.entities.flatMap((e) => e.fields.map((f) => f.path))].map((m) => h('option', { value: m })));

  const changed = () => {
    render();
    onChange();
  };

  /** @param {any} a @param {number} i */
  function row(a, i) {
    const path = `actions[${i}]`;
    const type = /** @type {HTMLSelectElement} */ (h('select', { class: 'act-type', 'aria-label': `Action ${i + 1} type`, 'data-path': `${path}.type` }, meta.actionTypes.map((t) => h('option', { value: t }, t))));
    if (!meta.actionTypes.includes(a.type)) type.append(h('option', { value: a.type }, a.type));
    type.value = a.type;
    type.addEventListener('change', () => {
      a.type = type.value;
      changed();
    });
    const input = (/** @type {string} */ key, /** @type {string} */ label, /** @type {Record<string, any>} */ attrs, /** @type {(v: string) => any} */ parse) => {
      const x = /** @type {HTMLInputElement} */ (h('input', { ...attrs, class: `act-${key}`, 'aria-label': `Action ${i + 1} ${label}`, 'data-path': `${path}.${key}`, value: a[key] ?? '' }));
      x.addEventListener('input', () => {
        if (x.value === '') delete a[key];
        else a[key] = parse(x.value);
        onChange();
      });
      return h('label', { class: 'inline-field' }, label, ' ', x);
    };
    /** @type {HTMLElement[]} */
    const parts = [type];
    if (a.type !== 'formula') parts.push(input('value', a.type === 'multiplier' ? 'Percent' : 'Value', { type: 'number', step: 'any', class: 'small-number' }, Number));
    if (a.type === 'per_unit' || a.type === 'benchmark_based') parts.push(input('metric', 'Metric', { type: 'text', list: metrics.id, placeholder: a.type === 'per_unit' ? 'per_gb' : 'cpu.cpu_mark_multi' }, String));
    if (a.type === 'benchmark_based') {
      const unit = /** @type {HTMLSelectElement} */ (h('select', { class: 'act-unit', 'aria-label': `Action ${i + 1} unit`, 'data-path': `${path}.unit_type` }, UNIT_TYPES.map((u) => h('option', { value: u }, u.replace(/_/g, ' ')))));
      unit.value = a.unit_type || 'per_1000_points';
      unit.addEventListener('change', () => {
        a.unit_type = unit.value;
        onChange();
      });
      parts.push(unit);
    }
    if (a.type === 'formula') parts.push(input('formula', 'Formula', { type: 'text', class: 'wide', placeholder: 'listing.ram_gb * 2' }, String));
    const mods = /** @type {HTMLInputElement} */ (
      h('input', { type: 'text', class: 'act-modifiers', 'aria-label': `Action ${i + 1} modifiers (JSON)`, placeholder: '{"condition_used": 0.8}', 'data-path': `${path}.modifiers`, value: a.modifiers ? JSON.stringify(a.modifiers) : '' })
    );
    mods.addEventListener('input', () => {
      badModifiers = null;
      if (!mods.value.trim()) delete a.modifiers;
      else {
        try {
          a.modifiers = JSON.parse(mods.value);
        } catch {
          badModifiers = `${path}.modifiers`;
        }
      }
      onChange();
    });
    const err = h('p', { class: 'field-error act-error', role: 'alert', hidden: true });
    rowErrors[i] = err;
    const remove = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove action ${i + 1}`, onclick: () => (actions.splice(i, 1), changed()) }, '✕');
    return h('li', { class: 'act-row', 'data-path': path }, ...parts, h('label', { class: 'inline-field' }, 'Modifiers ', mods), remove, err);
  }

  function render() {
    rowErrors = [];
    el.replaceChildren(
      metrics,
      actions.length ? h('ol', { class: 'act-list' }, actions.map(row)) : h('p', { class: 'note' }, 'No action: the rule adds nothing.'),
      h('button', { type: 'button', class: 'secondary small act-add', onclick: () => (actions.push({ type: 'fixed_value', value: 0 }), changed()) }, '+ Action'),
    );
  }

  render();
  return {
    el,
    get: () => clone(actions),
    set: (a) => {
      actions = clone(a);
      badModifiers = null;
      render();
    },
    showError: (path, msg) => {
      const m = /^actions\[(\d+)\]/.exec(path);
      const e = m ? rowErrors[Number(m[1])] : null;
      if (!e) return false;
      e.hidden = false;
      e.textContent = `${path}: ${msg}`;
      return true;
    },
    clearErrors: () => {
      for (const e of rowErrors) {
        e.hidden = true;
        e.textContent = '';
      }
    },
    valid: () => badModifiers,
  };
}

/** @param {any} v */
function clone(v) {
  return JSON.parse(JSON.stringify(v ?? []));
}

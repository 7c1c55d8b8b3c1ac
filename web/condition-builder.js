// @ts-check
// A structured editor of a rule's condition tree (DOMAIN.md §4.4): and/or/not groups nested to
// any depth, leaves with a field and operator picked from `ruleBuilderMetadata` (operators
// offered per field type) and a value input shaped by the operator. Each node knows its path
// (`conditions.conditions[1].value` style, the server's `extensions.field`), so a refusal is
// shown at the node it names.

import { h } from './util.js';

const NUMERIC = ['equals', 'not_equals', 'greater_than', 'less_than', 'gte', 'lte', 'between', 'in', 'not_in', 'is_null', 'is_not_null'];
const TEXT = ['equals', 'not_equals', 'contains', 'starts_with', 'ends_with', 'regex', 'in', 'not_in', 'is_null', 'is_not_null'];
const LABELS = /** @type {Record<string, string>} */ ({
  equals: '=',
  not_equals: '≠',
  greater_than: '>',
  less_than: '<',
  gte: '≥',
  lte: '≤',
  between: 'between',
  in: 'is one of',
  not_in: 'is none of',
  contains: 'contains',
  starts_with: 'starts with',
  ends_with: 'ends with',
  regex: 'matches regex',
  is_null: 'is empty',
  is_not_null: 'is not empty',
});

/**
 * @typedef {object} Meta the parts of `ruleBuilderMetadata` the editors use
 * @property {{key: string, fields: {path: string, valueType: string}[]}[]} entities
 * @property {string[]} operators
 * @property {string[]} logicalOperators
 * @property {string[]} actionTypes
 * @property {string[]} metricAliases
 */

/**
 * The kind of a field: the metadata gives custom fields their data type and ports "number";
 * the core fields come as "core", so their numeric ones are told by name.
 * @param {Meta} meta @param {string} path @returns {'number'|'text'|'any'}
 */
export function fieldKind(meta, path) {
  // Stored rules may name listing fields without their root (`ram_gb`).
  const fields = meta.entities.flatMap((e) => e.fields);
  const f = fields.find((x) => x.path === path) || fields.find((x) => x.path === `listing.${path}`);
  const t = f ? f.valueType : 'any';
  if (t === 'number') return 'number';
  if (t === 'core') {
    const name = path.slice(path.lastIndexOf('.') + 1);
    const numeric = /^(id|cores|threads|module_count)$|_(gb|mhz|usd|w|mark|multi|single|score|year|years)$|^(gpu_mark|igpu_mark|metal_score)$/;
    return numeric.test(name) ? 'number' : 'text';
  }
  return ['string', 'text', 'enum', 'boolean'].includes(t) ? 'text' : 'any';
}

/** @param {Meta} meta @param {string} path @param {string} current kept even if unusual */
function operatorsFor(meta, path, current) {
  const kind = fieldKind(meta, path);
  const allowed = kind === 'number' ? NUMERIC : kind === 'text' ? TEXT : meta.operators;
  const ops = meta.operators.filter((o) => allowed.includes(o));
  if (current && !ops.includes(current)) ops.push(current);
  return ops;
}

/** @param {string} text @param {boolean} numeric @returns {any} */
function scalar(text, numeric) {
  const t = text.trim();
  if (numeric && t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
}

/** @param {any} node @returns {any} a group, whatever the stored root was */
function asGroup(node) {
  if (!node || (typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length === 0)) return { logic: 'and', conditions: [] };
  if (Array.isArray(node.conditions)) return { ...node, conditions: node.conditions.slice() };
  return { logic: 'and', conditions: [node] };
}

/**
 * Mounts a condition builder.
 * @param {Meta} meta
 * @param {any} initial the stored tree (null = always)
 * @param {() => void} onChange called after every edit
 * @returns {{el: HTMLElement, get: () => any, set: (tree: any) => void, showError: (path: string, msg: string) => boolean, clearErrors: () => void}}
 */
export function conditionBuilder(meta, initial, onChange) {
  let root = asGroup(initial);
  const el = h('div', { class: 'cond-builder' });
  /** @type {Map<string, HTMLElement>} path → the node's error element */
  const errorAt = new Map();

  const changed = () => {
    render();
    onChange();
  };

  const fieldPicker = (/** @type {any} */ leaf, /** @type {string} */ path) => {
    const sel = /** @type {HTMLSelectElement} */ (
      h(
        'select',
        { class: 'cond-field', 'aria-label': 'Field', 'data-path': `${path}.field` },
        h('option', { value: '' }, 'field…'),
        meta.entities
          .filter((e) => e.fields.length)
          .map((e) => h('optgroup', { label: e.key }, e.fields.map((f) => h('option', { value: f.path }, f.path.slice(e.key.length + 1))))),
      )
    );
    if (leaf.field && !meta.entities.some((e) => e.fields.some((f) => f.path === leaf.field))) sel.append(h('option', { value: leaf.field }, leaf.field));
    sel.value = leaf.field || '';
    sel.addEventListener('change', () => {
      leaf.field = sel.value;
      if (!operatorsFor(meta, leaf.field, '').includes(leaf.operator)) leaf.operator = 'equals';
      changed();
    });
    return sel;
  };

  const operatorPicker = (/** @type {any} */ leaf, /** @type {string} */ path) => {
    const sel = /** @type {HTMLSelectElement} */ (
      h('select', { class: 'cond-op', 'aria-label': 'Operator', 'data-path': `${path}.operator` }, operatorsFor(meta, leaf.field || '', leaf.operator).map((o) => h('option', { value: o }, LABELS[o] || o)))
    );
    sel.value = leaf.operator;
    sel.addEventListener('change', () => {
      const before = leaf.operator;
      leaf.operator = sel.value;
      // A value of another shape would only be refused: start the new one empty.
      const shape = (/** @type {string} */ o) => (o === 'between' ? 'pair' : o === 'in' || o === 'not_in' ? 'list' : o.startsWith('is_') ? 'none' : 'one');
      if (shape(before) !== shape(leaf.operator)) {
        if (shape(leaf.operator) === 'none') delete leaf.value;
        else leaf.value = shape(leaf.operator) === 'pair' ? [null, null] : shape(leaf.operator) === 'list' ? [] : '';
      }
      changed();
    });
    return sel;
  };

  /** The value input(s) the operator takes. */
  const valueInput = (/** @type {any} */ leaf, /** @type {string} */ path) => {
    const op = leaf.operator;
    const numeric = fieldKind(meta, leaf.field || '') === 'number';
    const attrs = { 'data-path': `${path}.value`, class: 'cond-value' };
    if (op === 'is_null' || op === 'is_not_null') return null;
    if (op === 'between') {
      const pair = Array.isArray(leaf.value) ? leaf.value : [null, null];
      const one = (/** @type {number} */ i, /** @type {string} */ label) => {
        const input = /** @type {HTMLInputElement} */ (h('input', { ...attrs, type: 'number', step: 'any', 'aria-label': label, value: pair[i] ?? '', class: 'cond-value small-number' }));
        input.addEventListener('input', () => {
          pair[i] = input.value === '' ? null : Number(input.value);
          leaf.value = pair;
          onChange();
        });
        return input;
      };
      return h('span', { class: 'cond-between' }, one(0, 'Minimum'), ' and ', one(1, 'Maximum'));
    }
    if (op === 'in' || op === 'not_in') {
      const list = Array.isArray(leaf.value) ? leaf.value : [];
      const input = /** @type {HTMLInputElement} */ (h('input', { ...attrs, type: 'text', 'aria-label': 'Values, separated by commas', placeholder: 'a, b, c', value: list.join(', ') }));
      input.addEventListener('input', () => {
        leaf.value = input.value.split(',').map((v) => v.trim()).filter(Boolean).map((v) => scalar(v, numeric));
        onChange();
      });
      return input;
    }
    const numericOp = ['greater_than', 'less_than', 'gte', 'lte'].includes(op);
    const input = /** @type {HTMLInputElement} */ (
      h('input', { ...attrs, type: numericOp ? 'number' : 'text', step: numericOp ? 'any' : null, 'aria-label': 'Value', value: leaf.value === undefined || leaf.value === null ? '' : String(leaf.value) })
    );
    input.addEventListener('input', () => {
      leaf.value = scalar(input.value, numeric || numericOp);
      onChange();
    });
    return input;
  };

  /** @param {string} path */
  const errorEl = (path) => {
    const e = h('p', { class: 'field-error cond-error', role: 'alert', hidden: true });
    errorAt.set(path, e);
    return e;
  };

  /**
   * @param {any} node @param {string} path @param {any[]|null} siblings the parent's list
   * @returns {HTMLElement}
   */
  const renderNode = (node, path, siblings) => {
    const remove = siblings
      ? h('button', { type: 'button', class: 'secondary small cond-remove', 'aria-label': 'Remove', onclick: () => (siblings.splice(siblings.indexOf(node), 1), changed()) }, '✕')
      : null;
    if (!Array.isArray(node.conditions)) {
      return h('div', { class: 'cond-leaf', 'data-path': path }, fieldPicker(node, path), operatorPicker(node, path), valueInput(node, path), remove, errorEl(path));
    }
    const logic = /** @type {HTMLSelectElement} */ (
      h('select', { class: 'cond-logic', 'aria-label': 'Combine with', 'data-path': `${path}.logic` }, meta.logicalOperators.map((l) => h('option', { value: l }, l === 'and' ? 'all of (and)' : l === 'or' ? 'any of (or)' : 'none of (not)')))
    );
    logic.value = node.logic || 'and';
    logic.addEventListener('change', () => {
      node.logic = logic.value;
      changed();
    });
    const add = (/** @type {any} */ child) => () => {
      node.conditions.push(child);
      changed();
    };
    return h(
      'fieldset',
      { class: 'cond-group', 'data-path': path },
      h('legend', null, logic),
      node.conditions.length ? h('ol', { class: 'cond-children' }, node.conditions.map((c, i) => h('li', null, renderNode(c, `${path}.conditions[${i}]`, node.conditions)))) : h('p', { class: 'note' }, siblings ? 'Empty group (true for and/or).' : 'No condition: the rule always applies.'),
      h(
        'div',
        { class: 'cond-buttons' },
        h('button', { type: 'button', class: 'secondary small cond-add', onclick: add({ field: '', operator: 'equals', value: '' }) }, '+ Condition'),
        h('button', { type: 'button', class: 'secondary small cond-add-group', onclick: add({ logic: 'and', conditions: [] }) }, '+ Group'),
        remove,
      ),
      errorEl(path),
    );
  };

  function render() {
    errorAt.clear();
    el.replaceChildren(renderNode(root, 'conditions', null));
  }

  render();
  return {
    el,
    // An empty root group means "always": stored as null, as the server expects.
    get: () => (root.conditions.length ? JSON.parse(JSON.stringify(root)) : null),
    set: (tree) => {
      root = asGroup(tree);
      render();
    },
    showError: (path, msg) => {
      // The deepest node whose path starts the error's path.
      let best = '';
      for (const p of errorAt.keys()) if ((path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`)) && p.length > best.length) best = p;
      const e = errorAt.get(best);
      if (!e) return false;
      e.hidden = false;
      e.textContent = `${path}: ${msg}`;
      const control = el.querySelector(`[data-path="${CSS.escape(path)}"]`);
      if (control) control.setAttribute('aria-invalid', 'true');
      return true;
    },
    clearErrors: () => {
      for (const e of errorAt.values()) {
        e.hidden = true;
        e.textContent = '';
      }
      for (const c of el.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
    },
  };
}

// @ts-check
// The rule editor form: name and order, the condition builder, the actions editor, and the
// same draft as JSON (a collapsible view kept in step both ways, for pasting or reviewing);
// preview on live data (`previewRule`) and save, with the server's validation errors shown at
// the node or action its `extensions.field` names.

import { gql, GqlError } from './gql.js';
import { h, money, signedMoney, num, errorText } from './util.js';
import { conditionBuilder } from './condition-builder.js';
import { actionsEditor } from './actions-editor.js';

const PREVIEW = `query Preview($actions: JSON!, $conditions: JSON) {
  previewRule(actions: $actions, conditions: $conditions, sampleSize: 200) {
    evaluated matched errors totalAdjustment averageAdjustment minAdjustment maxAdjustment
    samples { adjustment listing { id title price adjustedPrice } }
  }
}`;

/**
 * @param {any} rule
 * @param {import('./condition-builder.js').Meta} meta
 * @param {{save: (id: string, input: Record<string, any>) => Promise<any>, saved: (r: any) => void, cancel: () => void}} on
 * @returns {HTMLElement}
 */
export function ruleEditor(rule, meta, on) {
  const id = rule.databaseId;
  const name = /** @type {HTMLInputElement} */ (h('input', { name: 'name', value: rule.name, required: true, maxlength: 128 }));
  const order = /** @type {HTMLInputElement} */ (h('input', { name: 'evaluationOrder', type: 'number', value: rule.evaluationOrder }));
  const condText = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'conditions', rows: 8, spellcheck: 'false', 'aria-label': 'Conditions as JSON' }));
  const actText = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'actions', rows: 6, spellcheck: 'false', 'aria-label': 'Actions as JSON' }));
  const json = (/** @type {any} */ v) => (v === null ? '' : JSON.stringify(v, null, 2));
  // The builders are the draft; the JSON view mirrors them and, when edited, replaces them.
  let condSeen = '';
  let actSeen = '';
  const builder = conditionBuilder(meta, rule.conditions, () => (condText.value = condSeen = json(builder.get())));
  const actions = actionsEditor(meta, rule.actions, () => (actText.value = actSeen = json(actions.get())));
  condText.value = condSeen = json(builder.get());
  actText.value = actSeen = json(actions.get());

  /** @type {Record<string, HTMLElement>} */
  const errs = {};
  const field = (/** @type {string} */ key, /** @type {string} */ label, /** @type {HTMLElement} */ control, /** @type {string} */ hint) => {
    errs[key] = h('p', { class: 'field-error', id: `err-${id}-${key}`, role: 'alert', hidden: true });
    control.setAttribute('aria-describedby', `err-${id}-${key}`);
    return h('div', { class: `field field-${key}` }, h('label', null, label, control), hint ? h('small', null, hint) : null, errs[key]);
  };
  const group = (/** @type {string} */ key, /** @type {string} */ legend, /** @type {HTMLElement} */ body) => {
    errs[key] = h('p', { class: 'field-error', role: 'alert', hidden: true });
    return h('fieldset', { class: `field field-${key}` }, h('legend', null, legend), body, errs[key]);
  };
  const formError = h('p', { class: 'error', role: 'alert', hidden: true });
  const previewBox = h('div', { class: 'preview', 'aria-live': 'polite' });

  const clearErrors = () => {
    for (const e of Object.values(errs)) {
      e.hidden = true;
      e.textContent = '';
    }
    builder.clearErrors();
    actions.clearErrors();
    formError.hidden = true;
  };
  /** @param {string} key @param {string} msg */
  const fieldError = (key, msg) => {
    errs[key].hidden = false;
    errs[key].textContent = msg;
  };
  /** @param {unknown} e */
  const showError = (e) => {
    const gqlErr = e instanceof GqlError ? e : null;
    const first = gqlErr && gqlErr.errors[0];
    const path = first && first.extensions && typeof first.extensions.field === 'string' ? first.extensions.field : '';
    const code = gqlErr ? gqlErr.code : '';
    const msg = code === 'UNAUTHENTICATED' ? `${errorText(e)} — sign in with an editor token to save.` : code === 'FORBIDDEN' ? `${errorText(e)} — this token may not change rules.` : errorText(e);
    if (path.startsWith('conditions') && builder.showError(path, msg)) return;
    if (path.startsWith('actions') && actions.showError(path, msg)) return;
    const key = Object.keys(errs).find((k) => path === k || path.startsWith(`${k}.`) || path.startsWith(`${k}[`));
    if (key) fieldError(key, `${path}: ${msg}`);
    else {
      formError.hidden = false;
      formError.textContent = msg;
    }
  };

  /** Takes in JSON typed into the view; false (and an error shown) when it does not parse. */
  const syncFromJson = () => {
    if (condText.value !== condSeen) {
      try {
        builder.set(condText.value.trim() ? JSON.parse(condText.value) : null);
        condSeen = condText.value;
      } catch (e) {
        fieldError('conditions', `Not valid JSON: ${errorText(e)}`);
        return false;
      }
    }
    if (actText.value !== actSeen) {
      try {
        const a = JSON.parse(actText.value);
        if (!Array.isArray(a)) throw new Error('a list of actions is expected');
        actions.set(a);
        actSeen = actText.value;
      } catch (e) {
        fieldError('actions', `Not valid JSON: ${errorText(e)}`);
        return false;
      }
    }
    return true;
  };
  // Taken in as typed (not on `change`): a re-render at blur would move the Save button away
  // from under the click that caused the blur. Text that does not parse yet waits for draft().
  /** @param {HTMLTextAreaElement} text @param {(t: string) => void} apply */
  const liveJson = (text, apply) =>
    text.addEventListener('input', () => {
      try {
        apply(text.value);
      } catch {
        /* not JSON yet: draft() reports it */
      }
    });
  liveJson(condText, (t) => {
    builder.set(t.trim() ? JSON.parse(t) : null);
    condSeen = t;
  });
  liveJson(actText, (t) => {
    const a = JSON.parse(t);
    if (!Array.isArray(a)) return;
    actions.set(a);
    actSeen = t;
  });

  /** @returns {Record<string, any>|null} */
  const draft = () => {
    clearErrors();
    if (!syncFromJson()) return null;
    const badMods = actions.valid();
    if (badMods) {
      actions.showError(badMods, 'modifiers are not valid JSON');
      return null;
    }
    return { name: name.value.trim(), evaluationOrder: Number(order.value), conditions: builder.get(), actions: actions.get() };
  };

  const saveBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'primary' }, 'Save'));
  const previewBtn = h('button', { type: 'button', class: 'secondary preview-btn' }, 'Preview on live data');
  previewBtn.addEventListener('click', async () => {
    const input = draft();
    if (!input) return;
    previewBox.replaceChildren(h('p', null, 'Previewing…'));
    try {
      const d = await gql(PREVIEW, { actions: input.actions, conditions: input.conditions });
      previewBox.replaceChildren(previewView(d.previewRule));
    } catch (e) {
      previewBox.replaceChildren();
      showError(e);
    }
  });
  return h(
    'form',
    {
      class: 'rule-editor',
      'aria-label': `Edit ${rule.name}`,
      onsubmit: async (/** @type {Event} */ ev) => {
        ev.preventDefault();
        const input = draft();
        if (!input) return;
        saveBtn.disabled = true;
        try {
          on.saved(await on.save(rule.id, input));
        } catch (e) {
          showError(e);
        } finally {
          saveBtn.disabled = false;
        }
      },
    },
    field('name', 'Name', name, ''),
    field('evaluationOrder', 'Evaluation order', order, 'ascending within the group'),
    group('conditions', 'Conditions', builder.el),
    group('actions', 'Actions', actions.el),
    h('details', { class: 'json-view' }, h('summary', null, 'JSON'), h('label', null, 'Conditions (empty = always)', condText), h('label', null, 'Actions (a list)', actText)),
    formError,
    h('div', { class: 'buttons' }, saveBtn, previewBtn, h('button', { type: 'button', class: 'secondary', onclick: on.cancel }, 'Cancel')),
    previewBox,
  );
}

/** @param {any} p the RulePreview */
function previewView(p) {
  return h(
    'div',
    { class: 'preview-result', id: 'preview-result' },
    h('p', null, `Matched ${p.matched} of ${p.evaluated} listings${p.errors ? `, ${p.errors} errors` : ''}; total ${signedMoney(p.totalAdjustment)}, average ${signedMoney(p.averageAdjustment)} (${signedMoney(p.minAdjustment)} … ${signedMoney(p.maxAdjustment)}).`),
    p.samples.length
      ? h(
          'table',
          null,
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Listing'), h('th', { scope: 'col', class: 'num' }, 'Adjusted now'), h('th', { scope: 'col', class: 'num' }, 'This rule'))),
          h(
            'tbody',
            null,
            p.samples.map((/** @type {any} */ s) =>
              h('tr', null, h('td', null, h('a', { href: `#/listing/${encodeURIComponent(s.listing.id)}` }, s.listing.title)), h('td', { class: 'num' }, money(s.listing.adjustedPrice)), h('td', { class: 'num' }, signedMoney(s.adjustment))),
            ),
          ),
        )
      : null,
    h('small', null, `sampled with ${num(p.evaluated, 0)} listings`),
  );
}

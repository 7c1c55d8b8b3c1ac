// @ts-check
// Small DOM and formatting helpers shared by the views.

/**
 * Creates an element: `h('a', {href: '#/', class: 'x'}, 'text', child)`.
 * Attributes starting with `on` become listeners; `null`/`false` attributes are skipped.
 * @param {string} tag
 * @param {Record<string, any>|null} [attrs]
 * @param {...(Node|string|number|null|undefined|false|(Node|string)[])} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' && 'value' in el) /** @type {HTMLInputElement} */ (el).value = String(v);
    else if (k === 'checked') /** @type {HTMLInputElement} */ (el).checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/** @param {Element} el @param {any[]} children */
function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * An SVG element.
 * @param {string} tag
 * @param {Record<string, string|number>} [attrs]
 * @param {...(Node|string)} children
 * @returns {SVGElement}
 */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** @param {string|number|null|undefined} v @returns {string} `$1,234.56` or `—` */
export function money(v) {
  if (v === null || v === undefined || v === '') return '—';
  const n = Number(v);
  if (!Number.isFinite(n)) return String(v);
  return n.toLocaleString('en-US', { style: 'currency', currency: 'USD' });
}

/** @param {string|number|null|undefined} v @returns {string} `+$12.00` style signed money */
export function signedMoney(v) {
  if (v === null || v === undefined || v === '') return '—';
  const n = Number(v);
  return (n > 0 ? '+' : n < 0 ? '−' : '') + money(Math.abs(n));
}

/** @param {string|number|null|undefined} v @returns {string} `12.5 %` */
export function pct(v) {
  if (v === null || v === undefined || v === '') return '—';
  const n = Number(v);
  return `${n > 0 ? '+' : n < 0 ? '−' : ''}${Math.abs(n).toFixed(1)} %`;
}

/** @param {string|number|null|undefined} v @param {number} [digits] @returns {string} */
export function num(v, digits = 2) {
  if (v === null || v === undefined || v === '') return '—';
  const n = Number(v);
  if (!Number.isFinite(n)) return String(v);
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** @param {string|null|undefined} iso @returns {string} */
export function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** Deal classes best first, with their labels. */
export const DEAL_CLASSES = [
  ['GREAT_DEAL', 'Great deal'],
  ['GOOD_DEAL', 'Good deal'],
  ['LIGHT_SAVING', 'Light saving'],
  ['NEUTRAL', 'Neutral'],
  ['LIGHT_PREMIUM', 'Light premium'],
  ['PREMIUM', 'Premium'],
];

/** @param {string|null|undefined} c @returns {HTMLElement} a coloured badge */
export function dealBadge(c) {
  if (!c) return h('span', { class: 'badge' }, '—');
  const label = (DEAL_CLASSES.find((d) => d[0] === c) || [c, c])[1];
  return h('span', { class: `badge deal-${c.toLowerCase().replace(/_/g, '-')}` }, label);
}

/**
 * @template {(...args: any[]) => void} F
 * @param {F} fn @param {number} ms @returns {F}
 */
export function debounce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let t;
  return /** @type {F} */ ((...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  });
}

/** @param {string} msg announces to screen readers through the page's live region */
export function announce(msg) {
  const el = document.getElementById('announcer');
  if (el) el.textContent = msg;
}

/** @param {unknown} e @returns {string} */
export function errorText(e) {
  return e instanceof Error ? e.message : String(e);
}

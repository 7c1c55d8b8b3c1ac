// @ts-check
// Entry point: the header (connection state, sign-in) and a hash router over the views.
// `#/` board, `#/listing/ID` detail, `#/rules`, `#/catalogue`, `#/alerts`.

import { LiveClient, gql, getToken, setToken, GqlError } from './gql.js';
import { mountBoard } from './board.js';
import { mountDetail } from './detail.js';
import { mountRules } from './rules.js';
import { mountCatalogue } from './catalogue.js';
import { mountAlerts } from './alerts.js';
import { errorText } from './util.js';

const live = new LiveClient();
/** @type {any} */ (window).dealbrain = { live };

const LABELS = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', offline: 'offline' };
const conn = /** @type {HTMLElement} */ (document.getElementById('conn'));
const connLabel = /** @type {HTMLElement} */ (document.getElementById('conn-label'));
live.onState((s, detail) => {
  conn.dataset.state = s;
  connLabel.textContent = LABELS[s];
  conn.title = detail || `Live updates: ${LABELS[s]}`;
});

// --- sign-in
const form = /** @type {HTMLFormElement} */ (document.getElementById('signin'));
const tokenInput = /** @type {HTMLInputElement} */ (document.getElementById('token'));
const who = /** @type {HTMLElement} */ (document.getElementById('who'));
const signout = /** @type {HTMLButtonElement} */ (document.getElementById('signout-btn'));
const signinBtn = /** @type {HTMLButtonElement} */ (document.getElementById('signin-btn'));

async function refreshViewer() {
  const signed = !!getToken();
  tokenInput.hidden = signed;
  signinBtn.hidden = signed;
  signout.hidden = !signed;
  if (!signed) {
    who.textContent = 'viewer (read-only)';
    document.body.dataset.role = '';
    return;
  }
  try {
    const d = await gql('query Viewer { viewer { name role } }');
    who.textContent = `${d.viewer.name || 'token'} · ${String(d.viewer.role || 'viewer').toLowerCase()}`;
    document.body.dataset.role = String(d.viewer.role || '').toLowerCase();
  } catch (e) {
    who.textContent = e instanceof GqlError && e.code === 'UNAUTHENTICATED' ? 'token refused' : errorText(e);
  }
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const t = tokenInput.value.trim();
  if (!t) return;
  setToken(t);
  tokenInput.value = '';
  await refreshViewer();
  live.reconnectNow();
});
signout.addEventListener('click', () => {
  setToken('');
  refreshViewer();
  live.reconnectNow();
});
refreshViewer();

// --- router
const main = /** @type {HTMLElement} */ (document.getElementById('main'));
/** @type {(() => void)|null} */
let unmount = null;
let currentView = '';

function route() {
  const hash = location.hash || '#/';
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  const view = parts[0] || 'board';
  if (unmount) unmount();
  unmount = null;
  for (const a of document.querySelectorAll('nav a[data-nav]')) {
    const el = /** @type {HTMLElement} */ (a);
    if (el.dataset.nav === view) el.setAttribute('aria-current', 'page');
    else el.removeAttribute('aria-current');
  }
  document.body.dataset.view = view;
  try {
    if (view === 'listing' && parts[1]) unmount = mountDetail(main, live, decodeURIComponent(parts[1]));
    else if (view === 'rules') unmount = mountRules(main, live);
    else if (view === 'catalogue') unmount = mountCatalogue(main);
    else if (view === 'alerts') unmount = mountAlerts(main, live);
    else unmount = mountBoard(main, live, params);
  } catch (e) {
    main.textContent = `This page failed to load: ${errorText(e)}`;
  }
  if (currentView && currentView !== view) main.focus();
  currentView = view;
}

window.addEventListener('hashchange', route);
route();

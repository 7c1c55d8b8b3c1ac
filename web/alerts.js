// @ts-check
// Alerts: a `dealAlerts` subscription with a price filter and a minimum deal class. New
// alerts are listed (newest first) and shown as a browser notification when allowed.

import { h, money, pct, dealBadge, dateTime, announce, errorText, DEAL_CLASSES } from './util.js';

const ALERTS = `subscription Alerts($filter: ValuationEventFilter, $minClass: DealClass!) {
  dealAlerts(filter: $filter, minClass: $minClass) {
    __typename
    ... on DealAlert { update { listingId adjustedPrice deltaPct dealClass previousDealClass cause at listing { title price } } }
    ... on Resync { reason missed at }
  }
}`;

/**
 * @param {HTMLElement} root
 * @param {import('./gql.js').LiveClient} live
 * @returns {() => void}
 */
export function mountAlerts(root, live) {
  /** @type {(() => void)|null} */
  let stop = null;
  const minClass = /** @type {HTMLSelectElement} */ (h('select', { id: 'min-class', name: 'minClass' }, DEAL_CLASSES.slice(0, 3).map(([v, l]) => h('option', { value: v }, `${l} or better`))));
  minClass.value = 'GOOD_DEAL';
  const pmax = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: 0, id: 'alert-pmax', placeholder: 'any' }));
  const list = h('ol', { class: 'alerts', id: 'alert-list', 'aria-live': 'polite' });
  const empty = h('p', { class: 'empty' }, 'Waiting for listings that newly become deals… (change a rule or a mark to see some)');
  const state = h('p', { class: 'note' });
  const notifyBtn = h('button', { type: 'button', class: 'secondary' }, 'Enable browser notifications');
  notifyBtn.hidden = !('Notification' in window) || Notification.permission !== 'default';
  notifyBtn.addEventListener('click', async () => {
    await Notification.requestPermission();
    notifyBtn.hidden = Notification.permission !== 'default';
  });
  const start = () => {
    if (stop) stop();
    /** @type {Record<string, any>|null} */
    const filter = pmax.value ? { priceMax: String(Number(pmax.value)) } : null;
    state.textContent = `Watching for ${minClass.selectedOptions[0]?.textContent?.toLowerCase()}${filter ? ` up to ${money(pmax.value)}` : ''}.`;
    stop = live.subscribe(ALERTS, { filter, minClass: minClass.value }, {
      next: (d) => {
        const m = d.dealAlerts;
        if (m.__typename === 'Resync') {
          list.prepend(h('li', { class: 'resync' }, `Some alerts may have been missed (${m.reason.toLowerCase()}) · ${dateTime(m.at)}`));
          return;
        }
        const u = m.update;
        const title = u.listing ? u.listing.title : u.listingId;
        empty.hidden = true;
        list.prepend(
          h(
            'li',
            { class: 'alert flash' },
            dealBadge(u.dealClass),
            ' ',
            h('a', { href: `#/listing/${encodeURIComponent(u.listingId)}` }, title),
            ` adjusted ${money(u.adjustedPrice)} (${pct(u.deltaPct)}) · was ${u.previousDealClass ? u.previousDealClass.toLowerCase().replace(/_/g, ' ') : 'unvalued'} · ${u.cause.toLowerCase().replace(/_/g, ' ')} · ${dateTime(u.at)}`,
          ),
        );
        announce(`New deal: ${title}`);
        if ('Notification' in window && Notification.permission === 'granted' && document.hidden) {
          new Notification('Deal Brain', { body: `${title}: ${money(u.adjustedPrice)} adjusted` });
        }
      },
      error: (e) => {
        state.textContent = errorText(e);
      },
    });
  };
  minClass.addEventListener('change', start);
  pmax.addEventListener('change', start);
  root.replaceChildren(
    h('section', { class: 'alerts-view' }, h('h1', null, 'Deal alerts'), h('form', { class: 'filters', onsubmit: (/** @type {Event} */ e) => e.preventDefault() }, h('label', null, 'Minimum class', minClass), h('label', null, 'Max list price $', pmax), notifyBtn), state, empty, list),
  );
  start();
  return () => {
    if (stop) stop();
  };
}

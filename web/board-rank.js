// @ts-check
// The ranked board's data feed. The top rows (up to BOARD_MAX) come from the `dealBoard`
// subscription, which re-ranks them live; rows past them are cursor pages of
// `listings(orderBy: BOARD_RANK)`, the same order, continued after the board's last row and
// kept current by `listingValuationUpdated`. When the top re-ranks, the tail is read again so a
// row pushed out of the top (or into it) neither vanishes nor shows twice.

import { gql } from './gql.js';
import { BOARD_MAX, BOARD_SUB, LISTINGS, PAGE, UPDATES, filterOf, orderOf } from './board-model.js';

const CURSOR_AT = `query CursorAt($filter: ListingFilterInput, $orderBy: ListingOrder, $first: Int) {
  listings(filter: $filter, orderBy: $orderBy, first: $first) { pageInfo { endCursor hasNextPage } }
}`;

/**
 * Watches `ids` for valuation updates.
 * @param {import('./gql.js').LiveClient} live
 * @param {string[]} ids
 * @param {{update: (l: any) => void, resync: () => void, error: (e: unknown) => void}} on
 * @returns {() => void} stop
 */
export function watchListings(live, ids, on) {
  if (!ids.length) return () => {};
  return live.subscribe(UPDATES, { filter: { listingIds: ids } }, {
    next: (d) => {
      const m = d.listingValuationUpdated;
      if (m.__typename === 'Resync') on.resync();
      else if (m.listing) on.update(m.listing);
    },
    error: on.error,
  });
}

/**
 * @typedef {object} RankView what the feed tells the board
 * @property {(rows: any[], flash: boolean) => void} render all rows in rank order
 * @property {(l: any) => void} update one tail row's new values (in place, no re-rank)
 * @property {(more: boolean, total: number|null) => void} status whether "Show more" can load
 *   more, and the matching count when a page told it
 * @property {(e: unknown) => void} error
 * @property {() => void} resynced the board was read afresh (counts may have moved)
 */

/**
 * Starts the feed for the board state `st`, showing `first` rows at first.
 * @param {import('./gql.js').LiveClient} live
 * @param {import('./board-model.js').BoardState} st
 * @param {number} first
 * @param {RankView} view
 * @returns {{more: () => void, stop: () => void, limit: () => number}}
 */
export function startRankFeed(live, st, first, view) {
  let limit = first;
  let stopped = false;
  /** @type {any[]} */
  let top = [];
  /** @type {any[]} */
  let tail = [];
  let tailCursor = '';
  let tailMore = true;
  let tailSeq = 0;
  /** @type {() => void} */
  let stopTop = () => {};
  /** @type {() => void} */
  let stopTail = () => {};

  const filter = filterOf(st);
  const orderBy = orderOf(st);

  function render(flash) {
    const inTop = new Set(top.map((l) => l.id));
    view.render(top.concat(tail.filter((l) => !inTop.has(l.id))), flash);
    const more = limit <= BOARD_MAX ? top.length >= limit : tailMore;
    view.status(more, null);
  }

  function subscribeTop() {
    stopTop();
    let initial = true;
    stopTop = live.subscribe(BOARD_SUB, { profileId: st.profile || null, filter, first: Math.min(limit, BOARD_MAX) }, {
      next: (d) => {
        const snap = d.dealBoard;
        top = snap.listings;
        render(!initial && snap.reason === 'CHANGED');
        if (snap.reason !== 'CHANGED') view.resynced();
        // The order moved: the tail continues after the new 100th row.
        if (!initial && tail.length) reloadTail(tail.length);
        initial = false;
      },
      error: view.error,
    });
  }

  /**
   * Reads `count` tail rows after the board's last row (in pages of ≤ 100).
   * @param {number} count
   */
  async function reloadTail(count) {
    const seq = ++tailSeq;
    try {
      const at = await gql(CURSOR_AT, { filter, orderBy, first: BOARD_MAX });
      /** @type {any[]} */
      let rows = [];
      let cursor = at.listings.pageInfo.endCursor || '';
      let more = at.listings.pageInfo.hasNextPage;
      let total = null;
      while (more && rows.length < count) {
        const d = await gql(LISTINGS, { filter, orderBy, first: Math.min(100, count - rows.length), after: cursor });
        if (seq !== tailSeq || stopped) return;
        rows = rows.concat(d.listings.nodes);
        cursor = d.listings.pageInfo.endCursor || cursor;
        more = d.listings.pageInfo.hasNextPage;
        total = d.listings.totalCount;
      }
      if (seq !== tailSeq || stopped) return;
      tail = rows;
      tailCursor = cursor;
      tailMore = more;
      limit = BOARD_MAX + tail.length;
      // Rows still in the tail whose values moved are highlighted, as on the top rows.
      render(true);
      if (total !== null) view.status(tailMore, total);
      watchTail();
    } catch (e) {
      if (seq === tailSeq && !stopped) view.error(e);
    }
  }

  /** One more page after the last tail row. */
  async function loadTailPage() {
    if (!tailCursor) {
      await reloadTail(PAGE);
      return;
    }
    const seq = ++tailSeq;
    try {
      const d = await gql(LISTINGS, { filter, orderBy, first: PAGE, after: tailCursor });
      if (seq !== tailSeq || stopped) return;
      tail = tail.concat(d.listings.nodes);
      tailCursor = d.listings.pageInfo.endCursor || tailCursor;
      tailMore = d.listings.pageInfo.hasNextPage;
      limit = BOARD_MAX + tail.length;
      render(false);
      view.status(tailMore, d.listings.totalCount);
      watchTail();
    } catch (e) {
      if (seq === tailSeq && !stopped) view.error(e);
    }
  }

  function watchTail() {
    stopTail();
    stopTail = watchListings(
      live,
      tail.map((l) => l.id),
      {
        update: (l) => {
          tail = tail.map((x) => (x.id === l.id ? l : x));
          view.update(l);
        },
        resync: () => reloadTail(tail.length),
        error: view.error,
      },
    );
  }

  subscribeTop();
  return {
    more() {
      if (limit < BOARD_MAX) {
        limit = Math.min(BOARD_MAX, limit + PAGE);
        subscribeTop();
      } else {
        loadTailPage();
      }
    },
    stop() {
      stopped = true;
      stopTop();
      stopTail();
    },
    limit: () => limit,
  };
}

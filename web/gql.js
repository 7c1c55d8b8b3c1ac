// @ts-check
// GraphQL over HTTP (queries, mutations) and over WebSocket (`graphql-transport-ws`
// subscriptions) for the board. Only same-origin requests; the token lives in localStorage.

const TOKEN_KEY = 'dealbrain.token';

/** @returns {string} the saved API token, or '' in viewer mode */
export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

/** @param {string} token saves it ('' signs out) */
export function setToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* private mode: the token lasts for this page only */
  }
}

/**
 * @typedef {{message: string, path?: (string|number)[], extensions?: {code?: string, [k: string]: any}}} GqlErrorEntry
 */

/** A GraphQL or transport failure, with the server's errors when it sent any. */
export class GqlError extends Error {
  /**
   * @param {string} message
   * @param {GqlErrorEntry[]} [errors]
   */
  constructor(message, errors) {
    super(message);
    this.name = 'GqlError';
    /** @type {GqlErrorEntry[]} */
    this.errors = errors || [];
  }

  /** @returns {string} the first error's `extensions.code`, or '' */
  get code() {
    return (this.errors[0] && this.errors[0].extensions && this.errors[0].extensions.code) || '';
  }
}

/**
 * Runs one operation over HTTP.
 * @param {string} query
 * @param {Record<string, any>} [variables]
 * @returns {Promise<any>} `data`; throws a GqlError when `errors` is not empty
 */
export async function gql(query, variables) {
  /** @type {Record<string, string>} */
  const headers = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
  };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables: variables || {} }),
    });
  } catch (e) {
    throw new GqlError(`the server is unreachable (${e instanceof Error ? e.message : e})`);
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new GqlError(`unexpected answer from the server (HTTP ${res.status})`);
  }
  if (body.errors && body.errors.length) {
    const msg = body.errors.map((/** @type {GqlErrorEntry} */ e) => e.message).join('; ');
    throw new GqlError(msg, body.errors);
  }
  return body.data;
}

/** @typedef {'connecting'|'live'|'reconnecting'|'offline'} ConnState */

/**
 * @typedef {object} Sink
 * @property {(data: any) => void} next
 * @property {(err: GqlError) => void} [error]
 * @property {() => void} [complete]
 */

/**
 * One `graphql-transport-ws` connection shared by every view. It reconnects with backoff
 * and re-subscribes everything it was running, so each subscription gets a fresh first
 * message (the board's snapshot, or the caller's `onResubscribe`) — that is the resync.
 */
export class LiveClient {
  /** @param {string} [url] */
  constructor(url) {
    this.url = url || `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql/ws`;
    /** @type {WebSocket|null} */
    this.ws = null;
    /** @type {ConnState} */
    this.state = 'connecting';
    /** @type {Map<string, {payload: {query: string, variables: any}, sink: Sink}>} */
    this.subs = new Map();
    /** @type {Set<(s: ConnState, detail: string) => void>} */
    this.listeners = new Set();
    this.nextId = 1;
    this.failures = 0;
    this.acked = false;
    this.detail = '';
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.retryTimer = undefined;
    this.stopped = false;
    window.addEventListener('online', () => this.reconnectNow());
    window.addEventListener('offline', () => {
      this.setState('offline', 'the browser is offline');
      if (this.ws) this.ws.close();
    });
    this.connect();
  }

  /** @param {(s: ConnState, detail: string) => void} fn @returns {() => void} */
  onState(fn) {
    this.listeners.add(fn);
    fn(this.state, this.detail);
    return () => this.listeners.delete(fn);
  }

  /** @param {ConnState} s @param {string} [detail] */
  setState(s, detail) {
    this.state = s;
    this.detail = detail || '';
    for (const fn of this.listeners) fn(s, this.detail);
  }

  /** Reconnects at once (new token, browser back online). */
  reconnectNow() {
    clearTimeout(this.retryTimer);
    this.failures = 0;
    if (this.ws && this.ws.readyState <= 1) this.ws.close(1000, 'reconnect');
    else this.connect();
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.acked = false;
    let ws;
    try {
      ws = new WebSocket(this.url, 'graphql-transport-ws');
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      const token = getToken();
      ws.send(JSON.stringify({ type: 'connection_init', payload: token ? { token } : {} }));
    };
    ws.onmessage = (ev) => this.onMessage(ws, ev);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.acked = false;
      if (ev.code === 4401 || ev.code === 4403) {
        this.failures = 99;
        this.setState('offline', ev.code === 4401 ? 'the token was refused' : 'not allowed');
        return;
      }
      this.scheduleRetry(ev.code === 4429);
    };
  }

  /** @param {boolean} [slow] */
  scheduleRetry(slow) {
    this.failures += 1;
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this.setState('offline', 'the browser is offline');
      return;
    }
    // reconnecting for about 20 s, then offline while still trying every 10 s
    this.setState(this.failures > 8 ? 'offline' : 'reconnecting', 'the server is unreachable');
    const delay = slow ? 10000 : Math.min(250 * 2 ** Math.min(this.failures - 1, 4), 4000);
    const jitter = Math.random() * 200;
    this.retryTimer = setTimeout(() => this.connect(), (this.failures > 8 ? 10000 : delay) + jitter);
  }

  /** @param {WebSocket} ws @param {MessageEvent} ev */
  onMessage(ws, ev) {
    let msg;
    try {
      msg = JSON.parse(String(ev.data));
    } catch {
      return;
    }
    switch (msg.type) {
      case 'connection_ack':
        this.acked = true;
        this.failures = 0;
        this.setState('live');
        for (const [id, s] of this.subs) this.send({ id, type: 'subscribe', payload: s.payload });
        break;
      case 'ping':
        this.send({ type: 'pong' });
        break;
      case 'next': {
        const s = this.subs.get(msg.id);
        if (!s) break;
        const p = msg.payload || {};
        if (p.errors && p.errors.length && !p.data) {
          if (s.sink.error) s.sink.error(new GqlError(p.errors.map((/** @type {any} */ e) => e.message).join('; '), p.errors));
        } else s.sink.next(p.data);
        break;
      }
      case 'error': {
        const s = this.subs.get(msg.id);
        this.subs.delete(msg.id);
        const errs = Array.isArray(msg.payload) ? msg.payload : [];
        if (s && s.sink.error) s.sink.error(new GqlError(errs.map((/** @type {any} */ e) => e.message).join('; ') || 'subscription failed', errs));
        break;
      }
      case 'complete': {
        const s = this.subs.get(msg.id);
        this.subs.delete(msg.id);
        if (s && s.sink.complete) s.sink.complete();
        break;
      }
      default:
        break;
    }
    void ws;
  }

  /** @param {any} msg */
  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /**
   * Starts a subscription; it survives reconnects (re-subscribed after each ack).
   * @param {string} query
   * @param {Record<string, any>} variables
   * @param {Sink} sink
   * @returns {() => void} stops it
   */
  subscribe(query, variables, sink) {
    const id = String(this.nextId++);
    const payload = { query, variables };
    this.subs.set(id, { payload, sink });
    if (this.acked) this.send({ id, type: 'subscribe', payload });
    return () => {
      if (this.subs.delete(id) && this.acked) this.send({ id, type: 'complete' });
    };
  }
}

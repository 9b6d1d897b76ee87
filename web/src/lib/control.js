// The control channel client (docs/control-protocol.md) shared by the panel's room page (as
// admin, by the session cookie) and the join page (as a student, by the room token). It keeps
// the shared objects it is subscribed to (room, roster, chat) and tells listeners when they
// change; requests with an id are answered through a promise.

/** Why the server closed a control connection, for people (close codes 4001–4009). */
export const close_reasons = {
  4001: 'The link is not valid (wrong or rotated token, or you are logged out).',
  4002: 'The server refused the request (bad name or malformed messages).',
  4003: 'The room is full.',
  4004: 'There is no such room.',
  4005: 'You were removed from the class.',
  4006: 'This session was opened in another window.',
  4007: 'The class has ended.',
  4008: 'Too many messages: slow down.',
  4009: 'The connection was too slow.',
};

// Closes after which reconnecting cannot help.
const k_final_codes = new Set([4001, 4002, 4003, 4004, 4005, 4006, 4007]);
const k_request_timeout_ms = 10_000;
const k_max_backoff_ms = 10_000;

/** The WebSocket URL of a path on this server (ws: or wss: like the page). */
export function ws_url(path) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}`;
}

/**
 * One participant's control connection. Events (EventTarget): `welcome` (detail: the welcome
 * frame), `so` (detail: {so, slots, version}) after any change of a shared object, `frame`
 * (every frame), `state` (detail: 'connecting'|'open'|'reconnecting'|'closed'), `closed`
 * (detail: {code, reason, final}).
 */
export class ControlChannel extends EventTarget {
  /** `path`: /api/v1/ws?…; `hello`: the hello frame fields, or null when the URL joins. */
  constructor(path, hello = null) {
    super();
    this.path = path;
    this.hello = hello;
    this.objects = new Map(); // name → {version, slots}
    this.pending = new Map(); // request id → {resolve, reject, timer}
    this.next_id = 1;
    this.you = null;
    this.resume = null;
    this.ws = null;
    this.stopped = false;
    this.backoff_ms = 500;
  }

  slots(name) {
    return this.objects.get(name)?.slots ?? {};
  }

  /** Opens the connection; resolves with the welcome frame, rejects with the close reason. */
  open() {
    return new Promise((resolve, reject) => {
      const on_welcome = (e) => {
        cleanup();
        resolve(e.detail);
      };
      const on_closed = (e) => {
        cleanup();
        reject(new Error(e.detail.reason));
      };
      const cleanup = () => {
        this.removeEventListener('welcome', on_welcome);
        this.removeEventListener('closed', on_closed);
      };
      this.addEventListener('welcome', on_welcome);
      this.addEventListener('closed', on_closed);
      this.connect();
    });
  }

  connect() {
    this.emit('state', this.resume ? 'reconnecting' : 'connecting');
    const ws = new WebSocket(ws_url(this.path));
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (this.hello) ws.send(JSON.stringify({ op: 'hello', ...this.hello, ...(this.resume ? { resume: this.resume } : {}) }));
    });
    ws.addEventListener('message', (e) => this.on_frame(e.data));
    ws.addEventListener('close', (e) => this.on_close(ws, e));
  }

  on_frame(text) {
    let f;
    try {
      f = JSON.parse(text);
    } catch {
      return;
    }
    if (f.op === 'welcome') {
      this.you = f.you;
      this.resume = f.session ?? this.resume;
      this.backoff_ms = 500;
      this.emit('state', 'open');
      this.emit('welcome', f);
    } else if (f.op === 'so.state') {
      this.objects.set(f.so, { version: f.version, slots: { ...f.slots } });
      this.emit('so', { so: f.so, slots: this.slots(f.so), version: f.version });
    } else if (f.op === 'so.change') {
      this.apply_change(f);
    } else if ((f.op === 'result' || f.op === 'so.result') && f.id !== undefined) {
      this.settle(f);
    }
    this.emit('frame', f);
  }

  apply_change(f) {
    const obj = this.objects.get(f.so) ?? { version: 0, slots: {} };
    for (const c of f.changes ?? []) {
      if (c.deleted) delete obj.slots[c.slot];
      else obj.slots[c.slot] = c.value;
    }
    obj.version = f.version;
    this.objects.set(f.so, obj);
    this.emit('so', { so: f.so, slots: obj.slots, version: f.version });
  }

  settle(f) {
    const p = this.pending.get(f.id);
    if (!p) return;
    this.pending.delete(f.id);
    clearTimeout(p.timer);
    if (f.ok) p.resolve(f);
    else p.reject(new Error(f.message || f.code || 'refused'));
  }

  /** Sends a request (e.g. {op:'chat.send', text}); resolves on its ok result. */
  request(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error('not connected to the class; wait a moment'));
    }
    const id = this.next_id++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('the server did not answer in time'));
      }, k_request_timeout_ms);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  on_close(ws, e) {
    if (ws !== this.ws) return;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('the connection closed'));
    }
    this.pending.clear();
    if (this.stopped) {
      this.emit('state', 'closed'); // closed by us (close()): nothing to tell anyone
      return;
    }
    const final = k_final_codes.has(e.code) || !this.you;
    const reason = close_reasons[e.code] ?? (e.reason || `the connection closed (code ${e.code})`);
    this.emit('closed', { code: e.code, reason, final });
    if (final) {
      this.emit('state', 'closed');
      return;
    }
    // A network hiccup: come back with the resume key within the server's 60 s grace.
    this.emit('state', 'reconnecting');
    setTimeout(() => {
      if (!this.stopped) this.connect();
    }, this.backoff_ms);
    this.backoff_ms = Math.min(this.backoff_ms * 2, k_max_backoff_ms);
  }

  close() {
    this.stopped = true;
    this.ws?.close(1000, 'bye');
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** Chat slots (m000123 → message) sorted oldest first, each with its id. */
export function chat_messages(slots) {
  return Object.entries(slots)
    .map(([id, m]) => ({ id, ...m }))
    // m + at least six digits: compare the numbers, not the strings (m1000000 > m999999).
    .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
}

/** Roster slots (pid → entry) sorted teacher first, then by name. */
export function roster_entries(slots) {
  const rank = { teacher: 0, admin: 1, student: 2 };
  return Object.entries(slots)
    .map(([id, p]) => ({ id, ...p }))
    .sort((a, b) => (rank[a.role] ?? 3) - (rank[b.role] ?? 3) || String(a.name).localeCompare(String(b.name)));
}

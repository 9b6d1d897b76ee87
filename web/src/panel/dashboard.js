// The dashboard: live classes and the server at a glance, pushed once a second over
// /api/v1/dashboard/ws (docs/api.md). Reconnects by itself if the socket drops.
import { ws_url } from '../lib/control.js';
import { h, replace } from '../lib/dom.js';
import { bitrate, uptime } from '../lib/format.js';
import { badge, live_badge } from './widgets.js';

const k_max_backoff_ms = 10_000;

export function render_dashboard(ctx, main) {
  const status = h('span', { class: 'muted small', text: 'connecting…', attrs: { id: 'dash-status' } });
  const server = h('div', { class: 'stats-row', attrs: { id: 'dash-server' } });
  const rooms = h('div', { class: 'room-cards', attrs: { id: 'dash-rooms' } });
  replace(main, h('div', { class: 'title-row' }, h('h1', { text: 'Dashboard' }), status), server, rooms);

  let ws = null;
  let stopped = false;
  let backoff = 500;
  let timer = null;

  function connect() {
    let opened = false;
    ws = new WebSocket(ws_url('/api/v1/dashboard/ws'));
    ws.addEventListener('open', () => {
      opened = true;
      backoff = 500;
      status.textContent = 'live';
    });
    ws.addEventListener('message', (e) => {
      let f;
      try {
        f = JSON.parse(e.data);
      } catch {
        return;
      }
      if (f.op === 'dashboard') show(f);
    });
    ws.addEventListener('close', () => {
      if (stopped) return;
      status.textContent = 'reconnecting…';
      // A refused upgrade looks like any network error; /me tells whether the session ended
      // (a 401 there takes the admin to the login form).
      if (!opened) ctx.api.get('/api/v1/me').catch(() => {});
      timer = setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, k_max_backoff_ms);
    });
  }

  function show(f) {
    const s = f.server ?? {};
    replace(
      server,
      stat('Version', s.version ?? '–'),
      stat('Uptime', uptime(s.uptime_s)),
      stat('In', bitrate(s.bytes_in_per_s ?? 0)),
      stat('Out', bitrate(s.bytes_out_per_s ?? 0)),
      stat('RTMP connections', s.rtmp_connections ?? 0),
      stat('WebSocket clients', s.ws_clients ?? 0),
    );
    const list = [...(f.rooms ?? [])].sort((a, b) => Number(b.teacher_live) - Number(a.teacher_live) || a.id - b.id);
    if (!list.length) {
      replace(rooms, h('p', { class: 'muted' }, 'No rooms yet. ', h('a', { href: '#/rooms', text: 'Create one' }), '.'));
      return;
    }
    replace(rooms, list.map(room_card));
  }

  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    ws?.close(1000);
  };
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function stat(label, value) {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-value', text: String(value) }), h('div', { class: 'stat-label', text: label }));
}

function room_card(room) {
  const st = room.stream;
  // Data rates come from the teacher's onMetaData; encoders without a set bitrate say 0.
  const kbps = Math.round((st?.video_kbps ?? 0) + (st?.audio_kbps ?? 0));
  const media = st
    ? [`${st.width}×${st.height}`, `${Number(st.fps ?? 0).toFixed(0)} fps`, kbps > 0 ? `${kbps} kbit/s` : null, st.video_codec]
        .filter(Boolean)
        .join(' · ')
    : 'no stream';
  return h(
    'a',
    { class: ['card', 'room-card', room.teacher_live ? 'is-live' : ''], href: `#/rooms/${room.id}`, attrs: { 'data-room': room.id } },
    h('div', { class: 'room-card-head' }, h('strong', { text: room.name }), live_badge(room.teacher_live), room.class_live && !room.teacher_live ? badge('class open', 'warn') : null),
    h('div', { class: 'room-card-body' },
      h('span', { attrs: { 'data-field': 'students' }, text: plural(room.students ?? 0, 'student') }),
      h('span', { attrs: { 'data-field': 'players' }, text: `${room.players ?? 0} watching` }),
      h('span', { attrs: { 'data-field': 'media' }, text: media }),
      h('span', { class: room.dropped_messages ? 'warn' : '', attrs: { 'data-field': 'drops' }, text: `${room.dropped_messages ?? 0} dropped` }),
    ),
  );
}

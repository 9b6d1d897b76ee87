// Recordings: newest first (optionally one room's), played in the browser from the MP4 the
// server remuxes, downloaded as the original FLV, deleted after a confirmation.
import { h, replace, toast } from '../lib/dom.js';
import { bytes, duration, time } from '../lib/format.js';
import { ask, busy, section } from './widgets.js';

export function render_recordings(ctx, main, { query }) {
  const room = query.get('room');
  const player = h('div', { class: 'recording-player', attrs: { id: 'recording-player' } });
  const list = section(room ? `Recordings of room ${room}` : 'All recordings',
    room ? h('a', { class: 'small', href: '#/recordings', text: 'Show all' }) : null,
    h('button', { class: 'small', text: 'Refresh', on: { click: () => load() } }));
  replace(main, h('h1', { text: 'Recordings' }), player, list.el);

  function play(rec) {
    const video = h('video', { controls: true, autoplay: true, src: `/api/v1/recordings/${rec.id}/mp4`, attrs: { id: 'recording-video', 'data-recording': rec.id } });
    video.addEventListener('error', () => toast('The browser could not play this recording; download it instead.', 'error'));
    replace(player, h('div', { class: 'card' },
      h('div', { class: 'section-head' }, h('h2', { text: `${rec.stream} · ${time(rec.started_at)}` }),
        h('button', { class: 'small', text: 'Close', on: { click: () => replace(player) } })),
      h('div', { class: 'video-box' }, video)));
    player.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  async function load() {
    try {
      const { recordings } = await ctx.api.get(`/api/v1/recordings${room ? `?room=${encodeURIComponent(room)}` : ''}`);
      replace(list.body, recordings.length ? table(recordings) : h('p', { class: 'muted', text: 'No recordings yet. Rooms with “Record classes” on are recorded while the teacher is live.' }));
    } catch (e) {
      replace(list.body, h('p', { class: 'error', text: e.message }));
    }
  }

  function table(recordings) {
    return h('table', { class: 'table', attrs: { id: 'recordings' } },
      h('thead', {}, h('tr', {}, ['Room', 'Started', 'Length', 'Size', ''].map((c) => h('th', { text: c })))),
      h('tbody', {}, recordings.map((rec) => row(rec))));
  }

  function row(rec) {
    const playable = rec.mp4 !== false;
    const del = h('button', { class: 'small danger', text: 'Delete', attrs: { 'data-test': 'delete-recording' } });
    del.addEventListener('click', () => {
      if (!ask(`Delete the recording of ${time(rec.started_at)}? This cannot be undone.`)) return;
      busy(del, async () => {
        await ctx.api.del(`/api/v1/recordings/${rec.id}`);
        toast('Recording deleted');
        load();
      });
    });
    return h('tr', { attrs: { 'data-recording': rec.id } },
      h('td', { attrs: { 'data-label': 'Room' } }, rec.room_id ? h('a', { href: `#/rooms/${rec.room_id}`, text: `#${rec.room_id}` }) : rec.stream),
      h('td', { attrs: { 'data-label': 'Started' }, text: time(rec.started_at) }),
      h('td', { attrs: { 'data-label': 'Length' }, text: duration(rec.duration_ms / 1000) }),
      h('td', { attrs: { 'data-label': 'Size' }, text: bytes(rec.size_bytes) }),
      h('td', {}, h('div', { class: 'button-row' },
        h('button', { class: 'small', text: playable ? 'Play' : 'Preparing…', disabled: !playable, attrs: { 'data-test': 'play-recording' }, on: { click: () => play(rec) } }),
        h('a', { class: 'button small', href: rec.download_url, text: 'Download FLV', attrs: { download: rec.file, 'data-test': 'download-recording' } }),
        del)));
  }

  load();
  return () => replace(player);
}

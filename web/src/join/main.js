// The browser join page /join/ROOM?token=T: check the link, ask for a name and a latency
// choice, then watch the teacher (mpegts.js), chat, raise a hand and see the roster over the
// control channel as a student (or as the teacher, whose link also opens this page).
import '../styles/base.css';
import '../styles/join.css';
import { Api } from '../lib/api.js';
import { chat_form, show_chat } from '../lib/chat.js';
import { ControlChannel, roster_entries } from '../lib/control.js';
import { badge, busy, h, replace, toast } from '../lib/dom.js';
import { latency_modes, live_url, LiveView } from '../lib/player.js';

const root = document.getElementById('join');
const room_id = decodeURIComponent(location.pathname.replace(/^\/join\//, '').replace(/\/$/, ''));
const token = new URLSearchParams(location.search).get('token') ?? '';

function fail(title, text) {
  replace(root, h('div', { class: 'card narrow' }, h('h1', { text: title }), h('p', { class: 'error', attrs: { id: 'join-error' }, text })));
}

// The API client the panel uses, without a session: the join check needs none, and its errors
// (the server's message, or "is lectern-server running?") read the same on both pages.
function check_link() {
  return new Api().get(`/api/v1/rooms/${encodeURIComponent(room_id)}/join?token=${encodeURIComponent(token)}`);
}

function latency_select(value) {
  return h('select', { attrs: { id: 'latency', 'aria-label': 'Latency' } },
    Object.entries(latency_modes).map(([key, m]) => h('option', { value: key, text: m.label, selected: key === value })));
}

function ask_name(info) {
  const name = h('input', { value: localStorage.getItem('lectern.name') ?? '', attrs: { id: 'join-name', required: true, maxlength: 64, autocomplete: 'name', placeholder: 'Your name' } });
  const latency = latency_select(localStorage.getItem('lectern.latency') ?? 'balanced');
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Join the class', attrs: { id: 'join-submit' } });
  const error = h('p', { class: 'error', attrs: { role: 'alert' } });
  const form = h('form', { class: 'card narrow join-form' },
    h('h1', { text: info.room.name }),
    info.room.welcome ? h('p', { class: 'welcome', text: info.room.welcome }) : null,
    info.role === 'teacher' ? h('p', { class: 'note', text: 'This is the teacher link: go live with lectern-teacher (or any RTMP encoder). Here you can watch, chat and see the roster.' }) : null,
    h('label', { attrs: { for: 'join-name' }, text: 'Your name' }), name,
    h('label', { attrs: { for: 'latency' }, text: 'Latency' }), latency,
    h('p', { class: 'small muted', text: 'Low: closest to live, may stutter. Balanced: about a second behind. Smooth: a few seconds behind, best on a weak network.' }),
    error, submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const chosen = name.value.trim();
    if (!chosen) return;
    localStorage.setItem('lectern.name', chosen);
    localStorage.setItem('lectern.latency', latency.value);
    busy(submit, async () => {
      try {
        await enter(info, chosen, latency.value);
      } catch (err) {
        error.textContent = err.message;
      }
    });
  });
  replace(root, form);
  name.focus();
}

async function enter(info, name, mode) {
  // `room` too: in a browser where an admin is logged in, the session cookie goes with the
  // upgrade and the server joins the connection as that admin, who must name the room.
  const channel = new ControlChannel('/api/v1/ws', { token, name, room: Number(room_id) });
  const welcome = await channel.open();
  const you = welcome.you;
  const video = h('video', { controls: true, playsInline: true, attrs: { id: 'player', 'aria-label': 'The teacher' } });
  const note = h('p', { class: 'small muted', attrs: { id: 'player-note' } });
  const latency = latency_select(mode);
  const hand = h('button', { text: 'Raise hand', attrs: { id: 'hand', 'aria-pressed': 'false' }, hidden: you.role !== 'student' });
  const roster = h('ul', { class: 'roster', attrs: { id: 'roster' } });
  const chat_list = h('ol', { class: 'chat-list', attrs: { id: 'chat-list', 'aria-live': 'polite' } });
  const status = h('span', { class: 'small muted', attrs: { id: 'conn-state' }, text: 'connected' });
  replace(root,
    h('header', { class: 'join-top' }, h('img', { src: '/favicon.svg', alt: '' }), h('strong', { text: info.room.name }), h('span', { class: 'spacer' }), h('span', { text: `${you.name} (${you.role})` }), status),
    h('div', { class: 'join-grid' },
      h('div', { class: 'stage' }, h('div', { class: 'video-box' }, video),
        h('div', { class: 'controls' }, h('label', { attrs: { for: 'latency' }, text: 'Latency' }), latency, hand), note),
      h('aside', { class: 'side' },
        h('section', { class: 'card' }, h('h2', { text: 'Chat' }), chat_list, chat_form((text) => channel.request({ op: 'chat.send', text }))),
        h('section', { class: 'card' }, h('h2', { text: 'In the room' }), roster))));

  const view = new LiveView(video, note, live_url(room_id, { token, participant: you.id }), {
    mode,
    idle_text: 'Waiting for the teacher to go live…',
    live_text: (m) => `Live · ${latency_modes[m].label}`,
  });
  latency.addEventListener('change', () => {
    localStorage.setItem('lectern.latency', latency.value);
    view.set_mode(latency.value);
  });
  hand.addEventListener('click', () => busy(hand, async () => {
    const up = hand.getAttribute('aria-pressed') === 'true';
    await channel.request({ op: up ? 'hand.lower' : 'hand.raise' });
  }));

  channel.addEventListener('so', (e) => {
    const { so, slots } = e.detail;
    if (so === 'room') view.set_live(Boolean(slots.teacher_live));
    if (so === 'chat') show_chat(chat_list, slots);
    if (so === 'roster') {
      const people = roster_entries(slots);
      replace(roster, people.map((p) => h('li', { attrs: { 'data-participant': p.id } },
        h('span', { text: p.name }), ' ', badge(p.role, p.role),
        p.hand ? badge('hand up', 'warn') : null, p.id === you.id ? h('span', { class: 'muted', text: '(you)' }) : null)));
      const mine = slots[you.id];
      const up = Boolean(mine?.hand);
      hand.setAttribute('aria-pressed', String(up));
      hand.textContent = up ? 'Lower hand' : 'Raise hand';
    }
  });
  channel.addEventListener('state', (e) => {
    status.textContent = e.detail === 'open' ? 'connected' : e.detail;
  });
  channel.addEventListener('closed', (e) => {
    if (!e.detail.final) return;
    view.destroy();
    toast(e.detail.reason, 'error');
    replace(root, h('div', { class: 'card narrow' }, h('h1', { text: info.room.name }), h('p', { class: 'error', attrs: { id: 'join-error' }, text: e.detail.reason }),
      h('button', { class: 'primary', text: 'Join again', on: { click: () => location.reload() } })));
  });
  // The first room/roster/chat states arrived with the welcome, before these listeners.
  for (const so of ['room', 'roster', 'chat']) {
    if (channel.objects.has(so)) channel.dispatchEvent(new CustomEvent('so', { detail: { so, slots: channel.slots(so) } }));
  }
}

async function main() {
  if (!room_id || !token) {
    fail('This link is incomplete', 'A join link looks like /join/ROOM?token=…; ask your teacher for the link again.');
    return;
  }
  let info;
  try {
    info = await check_link();
  } catch (e) {
    fail('Cannot join', e.message);
    return;
  }
  document.title = `${info.room.name} · Lectern`;
  ask_name(info);
}

main();

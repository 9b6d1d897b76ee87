// Rooms: the list with live state and join links, and a form to create one.
import { h, replace, toast } from '../lib/dom.js';
import { ask, busy, link_buttons, live_badge, section } from './widgets.js';

export function render_rooms(ctx, main) {
  const list = section('Rooms', h('button', { class: 'small', text: 'Refresh', on: { click: () => load() } }));
  const create = section('New room');
  replace(main, h('h1', { text: 'Rooms' }), create.el, list.el);
  create.body.append(create_form(ctx, (room) => {
    toast(`Room “${room.name}” created`);
    ctx.navigate(`/rooms/${room.id}`);
  }));

  async function load() {
    try {
      const { rooms } = await ctx.api.get('/api/v1/rooms');
      replace(list.body, rooms.length ? rooms_table(ctx, rooms, load) : h('p', { class: 'muted', text: 'No rooms yet: create the first one above.' }));
    } catch (e) {
      replace(list.body, h('p', { class: 'error', text: e.message }));
    }
  }
  load();
  return null;
}

function create_form(ctx, on_created) {
  const name = h('input', { name: 'name', attrs: { required: true, maxlength: 100, placeholder: 'Physics 101', id: 'new-room-name' } });
  const is_public = h('input', { type: 'checkbox', name: 'is_public', checked: false, attrs: { id: 'new-room-public' } });
  const record = h('input', { type: 'checkbox', name: 'record', checked: true, attrs: { id: 'new-room-record' } });
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Create room' });
  const form = h(
    'form',
    { class: 'inline-form' },
    h('label', { attrs: { for: 'new-room-name' }, text: 'Name' }),
    name,
    h('label', { class: 'check' }, is_public, 'Public (no token needed to watch)'),
    h('label', { class: 'check' }, record, 'Record classes'),
    submit,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(submit, async () => {
      const room = await ctx.api.post('/api/v1/rooms', {
        name: name.value.trim(),
        is_public: is_public.checked,
        record: record.checked,
      });
      name.value = '';
      on_created(room);
    });
  });
  return form;
}

function rooms_table(ctx, rooms, reload) {
  return h(
    'table',
    { class: 'table rooms-table' },
    h('thead', {}, h('tr', {}, ['Room', 'State', 'People', 'Join links', ''].map((t) => h('th', { text: t })))),
    h(
      'tbody',
      {},
      rooms.map((room) =>
        h(
          'tr',
          { attrs: { 'data-room': room.id } },
          h('td', { attrs: { 'data-label': 'Room' } }, h('a', { href: `#/rooms/${room.id}`, text: room.name }), h('div', { class: 'muted small', text: `#${room.id}${room.is_public ? ' · public' : ''}${room.record ? ' · recorded' : ''}` })),
          h('td', { attrs: { 'data-label': 'State' } }, live_badge(room.live?.teacher_live)),
          h('td', { attrs: { 'data-label': 'People' }, text: `${room.live?.participants ?? 0} connected, ${room.live?.players ?? 0} watching` }),
          h('td', { attrs: { 'data-label': 'Join links' } }, link_buttons(room)),
          h('td', {}, delete_button(ctx, room, reload)),
        ),
      ),
    ),
  );
}

/** Deletes a room after asking; its recordings stay. */
export function delete_button(ctx, room, after) {
  const button = h('button', { class: 'small danger', text: 'Delete', attrs: { 'data-test': 'delete-room' } });
  button.addEventListener('click', () => {
    if (!ask(`Delete the room “${room.name}”? Everyone in it is disconnected; its recordings are kept.`)) return;
    busy(button, async () => {
      await ctx.api.del(`/api/v1/rooms/${room.id}`);
      toast(`Room “${room.name}” deleted`);
      after();
    });
  });
  return button;
}

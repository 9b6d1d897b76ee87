// One room: live preview, roster, hands and chat (room_live.js), join links and tokens,
// settings, attendance (room_attendance.js) and a link to its recordings.
import { h, replace, toast } from '../lib/dom.js';
import { render_attendance } from './room_attendance.js';
import { render_live } from './room_live.js';
import { delete_button } from './rooms.js';
import { ask, busy, copy_button, section } from './widgets.js';

export function render_room(ctx, main, { match }) {
  const id = Number(match[1]);
  const stops = [];
  let closed = false;
  replace(main, h('p', { class: 'muted', text: 'Loading the room…' }));

  (async () => {
    let room;
    try {
      room = await ctx.api.get(`/api/v1/rooms/${id}`);
    } catch (e) {
      replace(main, h('h1', { text: `Room ${id}` }), h('p', { class: 'error', text: e.message }), h('a', { href: '#/rooms', text: '← All rooms' }));
      return;
    }
    if (closed) return;
    const title = h('h1', { text: room.name, attrs: { id: 'room-title' } });
    const state = h('span', { attrs: { id: 'room-state' } });
    const end = h('button', { class: 'danger', text: 'End class', attrs: { 'data-test': 'end-class' } });
    end.addEventListener('click', () => {
      if (!ask('End the class? Students are disconnected and the teacher’s stream stops.')) return;
      busy(end, async () => {
        await ctx.api.post(`/api/v1/rooms/${id}/end`);
        toast('Class ended');
      });
    });
    const live = h('div', { class: 'room-live' });
    const links = section('Join links');
    const settings = section('Settings');
    const attendance = section('Attendance');
    replace(
      main,
      h('a', { href: '#/rooms', class: 'small', text: '← All rooms' }),
      h('div', { class: 'title-row' }, title, state, h('div', { class: 'spacer' }), h('a', { class: 'button small', href: `#/recordings?room=${id}`, text: 'Recordings' }), end),
      live,
      h('div', { class: 'grid-2' }, links.el, settings.el),
      attendance.el,
    );
    stops.push(render_live(ctx, live, room, state));
    show_links(ctx, links.body, room);
    show_settings(ctx, settings.body, room, (updated) => {
      title.textContent = updated.name;
    });
    render_attendance(ctx, attendance.body, id);
  })();

  return () => {
    closed = true;
    for (const stop of stops) stop();
  };
}

function show_links(ctx, body, room) {
  const field = (label, value, test) =>
    h('div', { class: 'link-field' }, h('span', { class: 'small muted', text: label }), h('input', { value, readOnly: true, attrs: { 'data-test': test, 'aria-label': label } }));
  const role = h('select', { attrs: { 'aria-label': 'Tokens to rotate' } },
    h('option', { value: 'both', text: 'both tokens' }),
    h('option', { value: 'student', text: 'student token' }),
    h('option', { value: 'teacher', text: 'teacher token' }));
  const rotate = h('button', { class: 'small', text: 'Rotate', attrs: { 'data-test': 'rotate' } });
  rotate.addEventListener('click', () => {
    if (!ask(`Rotate the ${role.selectedOptions[0].text}? Old links stop working for new connections at once.`)) return;
    busy(rotate, async () => {
      await ctx.api.post(`/api/v1/rooms/${room.id}/tokens/rotate`, { role: role.value });
      const fresh = await ctx.api.get(`/api/v1/rooms/${room.id}`);
      toast('New tokens made; hand out the new links');
      show_links(ctx, body, fresh);
    });
  });
  replace(
    body,
    field('Teacher link (go live with the teacher client)', room.teacher_link, 'teacher-link'),
    field('Student link (desktop client or this browser)', room.student_link, 'student-link'),
    field('RTMP URL for other software (add ?token=TEACHER_TOKEN to publish)', room.rtmp_url, 'rtmp-url'),
    h('div', { class: 'button-row' },
      copy_button('Copy teacher link', room.teacher_link, 'copy-teacher'),
      copy_button('Copy student link', room.student_link, 'copy-student'),
      h('a', { class: 'button small', href: room.student_link, target: '_blank', rel: 'noopener', text: 'Open join page' })),
    h('div', { class: 'button-row' }, role, rotate),
  );
}

function show_settings(ctx, body, room, on_saved) {
  const input = (name, props) => h('input', { name, attrs: { id: `room-${name}` }, ...props });
  const f = {
    name: input('name', { value: room.name, attrs: { id: 'room-name', required: true, maxlength: 100 } }),
    is_public: input('is_public', { type: 'checkbox', checked: room.is_public }),
    record: input('record', { type: 'checkbox', checked: room.record }),
    max_students: input('max_students', { type: 'number', value: room.max_students, min: 1, max: 10000 }),
    buffer_ms: input('buffer_ms', { type: 'number', value: room.buffer_ms, min: 0, max: 60000, step: 100 }),
    welcome: h('textarea', { name: 'welcome', value: room.welcome, rows: 2, attrs: { id: 'room-welcome', maxlength: 2000 } }),
  };
  const save = h('button', { type: 'submit', class: 'primary', text: 'Save' });
  const label = (key, text) => h('label', { attrs: { for: `room-${key}` }, text });
  const form = h('form', { class: 'form-grid' },
    label('name', 'Name'), f.name,
    label('max_students', 'Max. students'), f.max_students,
    label('buffer_ms', 'Default buffer (ms)'), f.buffer_ms,
    label('welcome', 'Welcome text'), f.welcome,
    h('label', { class: 'check' }, f.is_public, 'Public: anyone may watch without a token'),
    h('label', { class: 'check' }, f.record, 'Record the teacher’s stream'),
    h('div', { class: 'button-row' }, save, delete_button(ctx, room, () => ctx.navigate('/rooms'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(save, async () => {
      const updated = await ctx.api.patch(`/api/v1/rooms/${room.id}`, {
        name: f.name.value.trim(),
        is_public: f.is_public.checked,
        record: f.record.checked,
        max_students: Number(f.max_students.value),
        buffer_ms: Number(f.buffer_ms.value),
        welcome: f.welcome.value,
      });
      toast('Saved');
      on_saved(updated);
    });
  });
  replace(body, form);
}

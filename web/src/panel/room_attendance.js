// Attendance of a room's past classes: pick a class session, see who came and went, export
// it as CSV (the server's /attendance.csv, downloaded with the session cookie).
import { h, replace } from '../lib/dom.js';
import { duration, time } from '../lib/format.js';

export async function render_attendance(ctx, body, room_id) {
  const select = h('select', { attrs: { 'aria-label': 'Class', id: 'attendance-session' } });
  const csv = h('a', { class: 'button small', text: 'Export CSV', attrs: { 'data-test': 'attendance-csv', download: `attendance-room-${room_id}.csv` } });
  const table = h('div', { class: 'table-wrap' });
  replace(body, h('div', { class: 'button-row' }, select, csv), table);

  let sessions = [];
  try {
    ({ sessions } = await ctx.api.get(`/api/v1/rooms/${room_id}/sessions`));
  } catch (e) {
    replace(table, h('p', { class: 'error', text: e.message }));
    return;
  }
  select.append(h('option', { value: '', text: 'All classes' }));
  for (const s of sessions) {
    const len = s.ended_at ? ` (${duration((s.ended_at - s.started_at) / 1000)})` : ' (live)';
    select.append(h('option', { value: String(s.id), text: `${time(s.started_at)}${len}` }));
  }
  if (sessions.length) select.value = String(sessions[0].id);

  async function load() {
    const q = select.value ? `?session=${select.value}` : '';
    csv.href = `/api/v1/rooms/${room_id}/attendance.csv${q}`;
    try {
      const { attendance } = await ctx.api.get(`/api/v1/rooms/${room_id}/attendance${q}`);
      replace(table, attendance.length ? attendance_table(attendance) : h('p', { class: 'muted', text: 'Nobody joined this class yet.' }));
    } catch (e) {
      replace(table, h('p', { class: 'error', text: e.message }));
    }
  }
  select.addEventListener('change', load);
  load();
}

function attendance_table(rows) {
  const cols = ['Name', 'Role', 'Via', 'Joined', 'Left', 'Stayed', 'From'];
  return h('table', { class: 'table', attrs: { id: 'attendance' } },
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { text: c })))),
    h('tbody', {}, rows.map((r) => h('tr', {},
      h('td', { attrs: { 'data-label': 'Name' }, text: r.name }),
      h('td', { attrs: { 'data-label': 'Role' }, text: r.role }),
      h('td', { attrs: { 'data-label': 'Via' }, text: r.via }),
      h('td', { attrs: { 'data-label': 'Joined' }, text: time(r.joined_at) }),
      h('td', { attrs: { 'data-label': 'Left' }, text: r.left_at ? time(r.left_at) : 'still here' }),
      h('td', { attrs: { 'data-label': 'Stayed' }, text: duration(((r.left_at ?? Date.now()) - r.joined_at) / 1000) }),
      h('td', { attrs: { 'data-label': 'From' }, text: r.peer ?? '' })))));
}

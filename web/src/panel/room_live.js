// The live part of a room page: preview of the teacher's stream (mpegts.js over WebSocket-FLV,
// authorized by the admin cookie), and the classroom over the control channel as admin:
// roster with kick, raised hands, chat with delete (and send).
import { chat_form, show_chat } from '../lib/chat.js';
import { ControlChannel, roster_entries } from '../lib/control.js';
import { busy, h, replace, toast } from '../lib/dom.js';
import { live_url, LiveView } from '../lib/player.js';
import { ask, badge, live_badge, section } from './widgets.js';

export function render_live(ctx, root, room, state_el) {
  const video = h('video', { muted: true, controls: true, playsInline: true, attrs: { id: 'preview', 'aria-label': 'Live preview' } });
  const note = h('p', { class: 'muted small', attrs: { id: 'preview-note' }, text: 'Connecting…' });
  const preview = section('Live preview');
  preview.body.append(h('div', { class: 'video-box' }, video), note);
  const roster = section('Roster');
  const hands = section('Raised hands');
  const chat = section('Chat');
  const chat_list = h('ol', { class: 'chat-list', attrs: { id: 'chat-list', 'aria-live': 'polite' } });
  chat.body.append(chat_list, chat_form((text) => channel.request({ op: 'chat.send', text })));
  replace(root, h('div', { class: 'live-grid' }, preview.el, h('div', { class: 'side' }, roster.el, hands.el, chat.el)));

  const channel = new ControlChannel(`/api/v1/ws?room=${room.id}`);
  const view = new LiveView(video, note, live_url(room.id), {
    idle_text: 'The teacher is not live.',
    live_text: () => 'Live: the preview plays muted; unmute with the video controls.',
  });

  channel.addEventListener('so', (e) => {
    const { so, slots } = e.detail;
    if (so === 'room') {
      view.set_live(Boolean(slots.teacher_live));
      replace(state_el, live_badge(view.live));
    }
    if (so === 'roster') show_roster(ctx, channel, roster.body, hands.body, slots);
    if (so === 'chat') show_chat(chat_list, slots, (message) => channel.request({ op: 'chat.delete', message }));
  });
  channel.addEventListener('state', (e) => {
    if (e.detail === 'reconnecting') note.textContent = 'Reconnecting to the class…';
  });
  channel.addEventListener('closed', (e) => {
    if (e.detail.final) toast(e.detail.reason, 'error');
  });
  channel.open().catch((e) => {
    note.textContent = e.message;
  });

  return () => {
    channel.close();
    view.destroy();
  };
}

function show_roster(ctx, channel, roster_body, hands_body, slots) {
  const people = roster_entries(slots);
  const kick = (p) => {
    const b = h('button', { class: 'small danger', text: 'Kick', attrs: { 'data-test': 'kick', 'aria-label': `Kick ${p.name}` } });
    b.addEventListener('click', () => {
      if (!ask(`Remove ${p.name} from the class?`)) return;
      busy(b, async () => {
        await channel.request({ op: 'kick', participant: p.id });
        toast(`${p.name} removed`);
      });
    });
    return b;
  };
  replace(
    roster_body,
    people.length
      ? h('ul', { class: 'roster', attrs: { id: 'roster' } }, people.map((p) =>
          h('li', { attrs: { 'data-participant': p.id, 'data-role': p.role } },
            h('span', { class: 'name', text: p.name }),
            badge(p.role, p.role),
            p.hand ? badge('hand up', 'warn') : null,
            p.speak ? badge('speaking', 'live') : null,
            p.muted ? badge('muted', 'idle') : null,
            h('span', { class: 'spacer' }),
            kick(p))))
      : h('p', { class: 'muted', text: 'Nobody is in the room.' }),
  );
  const raised = people.filter((p) => p.hand);
  replace(
    hands_body,
    raised.length
      ? h('ul', { class: 'hands', attrs: { id: 'hands' } }, raised.map((p) => h('li', { attrs: { 'data-participant': p.id } }, p.name)))
      : h('p', { class: 'muted', text: 'No hands raised. (The teacher lowers hands from the teacher client.)' }),
  );
}

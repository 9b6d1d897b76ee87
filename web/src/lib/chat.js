// The chat list and input shared by the panel's room page and the join page.
import { chat_messages } from './control.js';
import { badge, busy, h, replace } from './dom.js';
import { clock } from './format.js';

/** Shows the chat object's slots in `list` (an <ol>); `on_delete(id)` adds delete buttons. */
export function show_chat(list, slots, on_delete = null) {
  const at_bottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
  replace(list, chat_messages(slots).map((m) => {
    let del = null;
    if (on_delete) {
      del = h('button', { class: 'small link-button', text: 'Delete', attrs: { 'data-test': 'delete-message', 'aria-label': 'Delete message' } });
      del.addEventListener('click', () => busy(del, () => on_delete(m.id)));
    }
    return h('li', { class: `from-${m.role}`, attrs: { 'data-message': m.id } },
      h('span', { class: 'chat-meta' },
        h('strong', { text: m.name }), ' ',
        badge(m.role, m.role), ' ',
        h('time', { text: clock(m.at) })),
      h('span', { class: 'chat-text', text: m.text }),
      del);
  }));
  if (at_bottom) list.scrollTop = list.scrollHeight;
}

/** A one-line chat input; `send(text)` returns a promise. */
export function chat_form(send, placeholder = 'Message to the room') {
  const input = h('input', { name: 'chat', attrs: { maxlength: 2000, placeholder, 'aria-label': 'Chat message', autocomplete: 'off' } });
  const button = h('button', { type: 'submit', text: 'Send' });
  const form = h('form', { class: 'chat-form' }, input, button);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    busy(button, async () => {
      await send(text);
      input.value = '';
      input.focus();
    });
  });
  return form;
}

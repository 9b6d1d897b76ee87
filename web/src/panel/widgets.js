// Small pieces several panel pages share: copy-link buttons, badges, confirmations, a section.
import { badge, copy_text, h, toast } from '../lib/dom.js';

export { badge, busy } from '../lib/dom.js';

/** A button that copies `text` (a join link) and says so. */
export function copy_button(label, text, test_id) {
  return h('button', {
    class: 'small',
    text: label,
    attrs: { 'data-test': test_id, title: text },
    on: {
      click: async () => {
        try {
          await copy_text(text);
          toast(`${label.replace(/^Copy /, '')} copied`);
        } catch (e) {
          toast(e.message, 'error');
        }
      },
    },
  });
}

/** The teacher and student link buttons of a room (as returned by the rooms API). */
export function link_buttons(room) {
  return h(
    'div',
    { class: 'button-row' },
    room.teacher_link && copy_button('Copy teacher link', room.teacher_link, 'copy-teacher'),
    room.student_link && copy_button('Copy student link', room.student_link, 'copy-student'),
  );
}

export function live_badge(teacher_live) {
  return teacher_live ? badge('LIVE', 'live') : badge('offline', 'idle');
}

/** A titled panel section; returns {el, body}. */
export function section(title, ...actions) {
  const body = h('div', { class: 'section-body' });
  const el = h('section', { class: 'card' }, h('div', { class: 'section-head' }, h('h2', { text: title }), ...actions), body);
  return { el, body };
}

/** confirm() with the question; kept in one place so tests can accept dialogs. */
export function ask(question) {
  return window.confirm(question);
}

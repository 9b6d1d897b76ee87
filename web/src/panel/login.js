// The login form: a wrong password gets a clear message; too many tries get the server's.
import { ApiError } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';

export function render_login(ctx, root, on_done) {
  const error = h('p', { class: 'error', attrs: { role: 'alert', id: 'login-error' } });
  const username = h('input', {
    name: 'username',
    value: 'admin',
    attrs: { autocomplete: 'username', required: true, id: 'login-username' },
  });
  const password = h('input', {
    name: 'password',
    type: 'password',
    attrs: { autocomplete: 'current-password', required: true, id: 'login-password', autofocus: true },
  });
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Log in' });
  const form = h(
    'form',
    { class: 'card login', attrs: { 'aria-labelledby': 'login-title' } },
    h('h1', { id: 'login-title' }, h('img', { src: '/favicon.svg', alt: '' }), 'Lectern admin'),
    h('label', { attrs: { for: 'login-username' }, text: 'User name' }),
    username,
    h('label', { attrs: { for: 'login-password' }, text: 'Password' }),
    password,
    error,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      await ctx.api.login(username.value.trim(), password.value);
      password.value = '';
      if (!location.hash || location.hash === '#/login') location.hash = '#/';
      on_done();
    } catch (err) {
      error.textContent =
        err instanceof ApiError && err.status === 401 ? 'Wrong user name or password.' : err.message;
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  replace(root, h('div', { class: 'login-wrap' }, form));
  password.focus();
  return null;
}

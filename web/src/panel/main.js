// The admin panel: a shell (header, navigation) and hash routes (#/rooms/3), so the server
// needs to serve only index.html. Each page is a module with render(ctx, main, params) that
// returns a cleanup function (closing its WebSockets and players when the admin moves on).
import '../styles/base.css';
import '../styles/panel.css';
import { Api } from '../lib/api.js';
import { h, replace, toast } from '../lib/dom.js';
import { render_login } from './login.js';
import { render_dashboard } from './dashboard.js';
import { render_rooms } from './rooms.js';
import { render_room } from './room.js';
import { render_recordings } from './recordings.js';
import { render_server } from './server.js';

const routes = [
  { pattern: /^\/$/, page: render_dashboard, nav: 'dashboard', title: 'Dashboard' },
  { pattern: /^\/rooms$/, page: render_rooms, nav: 'rooms', title: 'Rooms' },
  { pattern: /^\/rooms\/(\d+)$/, page: render_room, nav: 'rooms', title: 'Room' },
  { pattern: /^\/recordings$/, page: render_recordings, nav: 'recordings', title: 'Recordings' },
  { pattern: /^\/server$/, page: render_server, nav: 'server', title: 'Server' },
];

const nav_items = [
  ['dashboard', '#/', 'Dashboard'],
  ['rooms', '#/rooms', 'Rooms'],
  ['recordings', '#/recordings', 'Recordings'],
  ['server', '#/server', 'Server'],
];

const app = document.getElementById('app');
let cleanup = null;

const ctx = {
  api: new Api(() => {
    toast('Your session has ended; log in again.', 'error');
    show_login();
  }),
  navigate(path) {
    location.hash = `#${path}`;
  },
};

function current_path() {
  const raw = location.hash.replace(/^#/, '');
  const [path, query = ''] = raw.split('?');
  return { path: path || '/', query: new URLSearchParams(query) };
}

function stop_page() {
  if (cleanup) {
    try {
      cleanup();
    } catch (e) {
      console.error(e);
    }
  }
  cleanup = null;
}

function show_login() {
  stop_page();
  document.title = 'Log in · Lectern';
  cleanup = render_login(ctx, app, () => route());
}

function shell(active) {
  const logout = h('button', {
    class: 'link-button',
    text: 'Log out',
    on: {
      click: async () => {
        try {
          await ctx.api.logout();
        } catch (e) {
          toast(e.message, 'error');
        }
        show_login();
      },
    },
  });
  const main = h('main', { class: 'page', id: 'page' });
  const menu_toggle = h('button', {
    class: 'menu-toggle',
    text: '☰',
    attrs: { 'aria-label': 'Menu', 'aria-expanded': 'false' },
  });
  const nav = h(
    'nav',
    { class: 'nav', attrs: { 'aria-label': 'Main' } },
    nav_items.map(([key, href, label]) =>
      h('a', { href, text: label, class: key === active ? 'active' : '', attrs: { 'data-nav': key } }),
    ),
  );
  menu_toggle.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    menu_toggle.setAttribute('aria-expanded', String(open));
  });
  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, h('img', { src: '/favicon.svg', alt: '' }), 'Lectern'),
    menu_toggle,
    nav,
    h('div', { class: 'who' }, h('span', { class: 'muted', text: ctx.api.username ?? '' }), logout),
  );
  replace(app, header, main);
  return main;
}

async function route() {
  if (!ctx.api.username) {
    let user = null;
    try {
      user = await ctx.api.restore();
    } catch (e) {
      replace(app, h('p', { class: 'error', text: e.message }));
      return;
    }
    if (!user) {
      show_login();
      return;
    }
  }
  stop_page();
  const { path, query } = current_path();
  const found = routes.map((r) => ({ r, m: path.match(r.pattern) })).find((x) => x.m);
  if (!found) {
    ctx.navigate('/');
    return;
  }
  document.title = `${found.r.title} · Lectern`;
  const main = shell(found.r.nav);
  cleanup = found.r.page(ctx, main, { match: found.m, query }) ?? null;
}

window.addEventListener('hashchange', () => route());
route();

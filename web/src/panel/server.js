// The server page: version, uptime, memory, connections and traffic (GET /api/v1/stats), the
// health check, and the newest entries of the admin audit log. Refreshed every 5 s.
import { h, replace } from '../lib/dom.js';
import { bytes, time, uptime } from '../lib/format.js';
import { section } from './widgets.js';

export function render_server(ctx, main) {
  const stats = section('Server');
  const audit = section('Audit log (newest first)');
  replace(main, h('h1', { text: 'Server' }), stats.el, audit.el);

  async function load() {
    try {
      // A failing health check is news, not a reason to hide the rest of the page.
      const health_text = ctx.api.get('/healthz').then(
        (hz) => `${hz.status} (schema ${hz.schema_version})`,
        (e) => `failing: ${e.message}`,
      );
      const [s, health] = await Promise.all([ctx.api.get('/api/v1/stats'), health_text]);
      const relay = s.relay ?? {};
      const rows = [
        ['Version', s.version],
        ['Health', health],
        ['Uptime', uptime(s.uptime_s)],
        ['Memory (RSS)', bytes(s.rss_bytes)],
        ['Active rooms', s.rooms_active],
        ['WebSocket clients', s.ws_clients],
        ['RTMP connections', relay.rtmp_connections ?? '–'],
        ['Live streams', relay.live_streams ?? '–'],
        ['Received', bytes(relay.bytes_in)],
        ['Sent', bytes(relay.bytes_out)],
        ['Dropped messages (slow players)', relay.dropped_messages ?? '–'],
      ];
      replace(stats.body, h('dl', { class: 'facts', attrs: { id: 'server-facts' } }, rows.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: String(v) })])),
        h('p', { class: 'small muted' }, 'Prometheus metrics: ', h('a', { href: '/metrics', text: '/metrics' }), ' · API description: ', h('a', { href: '/api/v1/openapi.json', text: 'openapi.json' })));
    } catch (e) {
      replace(stats.body, h('p', { class: 'error', text: e.message }));
    }
  }

  async function load_audit() {
    try {
      const r = await ctx.api.get('/api/v1/audit?limit=20');
      const entries = r.audit ?? [];
      replace(audit.body, h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['When', 'Who', 'What', 'Target', 'From'].map((c) => h('th', { text: c })))),
        h('tbody', {}, entries.map((a) => h('tr', {},
          h('td', { attrs: { 'data-label': 'When' }, text: time(a.at) }),
          h('td', { attrs: { 'data-label': 'Who' }, text: a.actor }),
          h('td', { attrs: { 'data-label': 'What' }, text: a.action }),
          h('td', { attrs: { 'data-label': 'Target' }, text: a.target }),
          h('td', { attrs: { 'data-label': 'From' }, text: a.peer ?? '' }))))));
    } catch (e) {
      replace(audit.body, h('p', { class: 'error', text: e.message }));
    }
  }

  load();
  load_audit();
  const timer = setInterval(load, 5000);
  return () => clearInterval(timer);
}

// Unit tests of the web pages' plain modules (no browser needed): the control channel's
// shared-object bookkeeping and request/answer matching, chat and roster ordering, formats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chat_messages, ControlChannel, roster_entries } from '../../../web/src/lib/control.js';
import { bitrate, bytes, duration } from '../../../web/src/lib/format.js';

// Node 20 has no WebSocket global; the channel only reads WebSocket.OPEN here.
globalThis.WebSocket ??= { OPEN: 1 };

function channel_with_socket() {
  const ch = new ControlChannel('/api/v1/ws');
  const sent = [];
  ch.ws = { readyState: 1, send: (text) => sent.push(JSON.parse(text)), close() {} };
  return { ch, sent };
}

test('shared objects follow so.state and so.change, deletions included', () => {
  const { ch } = channel_with_socket();
  const seen = [];
  ch.addEventListener('so', (e) => seen.push({ so: e.detail.so, slots: { ...e.detail.slots } }));
  ch.on_frame(JSON.stringify({ op: 'so.state', so: 'chat', version: 3, slots: { m000001: { text: 'a' } } }));
  ch.on_frame(JSON.stringify({ op: 'so.change', so: 'chat', version: 5, changes: [
    { slot: 'm000002', value: { text: 'b' } }, { slot: 'm000001', deleted: true }] }));
  assert.deepEqual(ch.slots('chat'), { m000002: { text: 'b' } });
  assert.equal(ch.objects.get('chat').version, 5);
  assert.deepEqual(seen.map((s) => Object.keys(s.slots)), [['m000001'], ['m000002']]);
});

test('a request resolves on its own result and rejects with the refusal message', async () => {
  const { ch, sent } = channel_with_socket();
  const ok = ch.request({ op: 'chat.send', text: 'hi' });
  const refused = ch.request({ op: 'kick', participant: 'p9' });
  assert.deepEqual(sent.map((f) => f.op), ['chat.send', 'kick']);
  assert.notEqual(sent[0].id, sent[1].id);
  ch.on_frame(JSON.stringify({ op: 'result', id: sent[1].id, ok: false, code: 'not_found', message: 'no participant p9' }));
  ch.on_frame(JSON.stringify({ op: 'result', id: sent[0].id, ok: true }));
  assert.equal((await ok).ok, true);
  await assert.rejects(refused, /no participant p9/);
});

test('a request without a connection fails at once', async () => {
  const ch = new ControlChannel('/api/v1/ws');
  await assert.rejects(ch.request({ op: 'hand.raise' }), /not connected/);
});

test('chat messages are in id order past six digits', () => {
  const slots = { m1000000: { text: 'late' }, m999999: { text: 'early' }, m000010: { text: 'first' } };
  assert.deepEqual(chat_messages(slots).map((m) => m.text), ['first', 'early', 'late']);
});

test('the roster lists teachers first, then by name', () => {
  const slots = { p3: { name: 'Zoe', role: 'student' }, p1: { name: 'Ana', role: 'student' }, p2: { name: 'Mr T', role: 'teacher' } };
  assert.deepEqual(roster_entries(slots).map((p) => p.id), ['p2', 'p1', 'p3']);
});

test('sizes, durations and rates read as people write them', () => {
  assert.equal(bytes(512), '512 B');
  assert.equal(bytes(1536), '1.5 KiB');
  assert.equal(bytes(5 * 1024 * 1024), '5.0 MiB');
  assert.equal(duration(65), '1:05');
  assert.equal(duration(3725), '1:02:05');
  assert.equal(bitrate(125_000), '1.0 Mbit/s');
  assert.equal(bitrate(8_000), '64 kbit/s');
});

// The web panel and the browser join page in real headless Chromium against the real
// lectern-server (issue 7): one browser, one server, one class from login to deleting the
// room. Steps run in order and share state; a failed step makes the later ones fail too.
// Screenshots go to $LECTERN_SCREENSHOT_DIR (docs/screenshots/ when refreshing the README's).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  admin_api, admin_password, bright_share, ControlClient, launch_browser, start_server, start_teacher,
  temp_dir, until, video_advances,
} from './harness.mjs';

const tmp = temp_dir();
const shots = process.env.LECTERN_SCREENSHOT_DIR ?? join(tmp.dir, 'screenshots');
mkdirSync(shots, { recursive: true });
const children = [];
let server;
let browser;
let admin; // the admin's page
let student; // the student's page (its own browser context: no admin cookie)
let teacher_ws;
let api;
let room;
let teacher;
const page_errors = []; // uncaught exceptions in the pages (a leaked player used to throw)
const failures_log = () => children.map((c) => c.log()).join('\n');

/** A screenshot for the README, without the toasts of earlier steps. */
async function shot(page, name, options = {}) {
  await page.evaluate(() => document.getElementById('toasts')?.replaceChildren());
  await page.screenshot({ path: join(shots, name), ...options });
}

describe('web panel and join page', { timeout: 240_000 }, () => {
  before(async () => {
    server = await start_server(join(tmp.dir, 'data'));
    children.push(server);
    api = await admin_api(server.base);
    browser = await launch_browser();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
    admin = await ctx.newPage();
    admin.on('dialog', (d) => d.accept());
    admin.on('pageerror', (e) => page_errors.push(`admin: ${e.stack || e}`));
    // DEBUG_PAGES=1 prints the admin page's console (what the panel logged before a failure).
    if (process.env.DEBUG_PAGES) admin.on('console', (m) => console.error('admin console:', m.type(), m.text(), JSON.stringify(m.location())));
  });

  after(async () => {
    teacher_ws?.close();
    await browser?.close();
    for (const c of children.reverse()) await c.stop();
    tmp.remove();
  });

  it('refuses a wrong password and logs in with the right one', async () => {
    await admin.goto(`${server.base}/`);
    await admin.fill('#login-password', 'not-the-password');
    await admin.click('form.login button[type=submit]');
    await admin.waitForSelector('#login-error:has-text("Wrong user name or password")');
    assert.equal(await admin.$('nav.nav'), null, 'no panel before a successful login');
    await admin.fill('#login-password', admin_password);
    await admin.click('form.login button[type=submit]');
    await admin.waitForSelector('nav.nav a.active[data-nav=dashboard]');
  });

  it('creates a room and copies its join links', async () => {
    await admin.click('nav.nav a[data-nav=rooms]');
    await admin.fill('#new-room-name', 'Physics 101');
    await admin.click('form.inline-form button[type=submit]');
    await admin.waitForSelector('#room-title:has-text("Physics 101")');
    const id = Number(admin.url().match(/#\/rooms\/(\d+)$/)[1]);
    const fetched = await api('GET', `/api/v1/rooms/${id}`);
    assert.equal(fetched.status, 200);
    room = fetched.body;
    assert.equal(room.record, true, 'new rooms are recorded unless unticked');
    for (const role of ['teacher', 'student']) {
      await admin.click(`.button-row [data-test=copy-${role}]`);
      const copied = await admin.evaluate(() => navigator.clipboard.readText());
      assert.equal(copied, room[`${role}_link`]);
      assert.match(copied, new RegExp(`^${server.base}/join/${id}\\?token=`));
    }
  });

  it('shows a teacher going live on the dashboard within 3 s', async () => {
    teacher_ws = new ControlClient(server.base, { token: room.teacher_token, name: 'Teacher' });
    await teacher_ws.frame('the teacher welcome', (f) => f.op === 'welcome');
    await admin.click('nav.nav a[data-nav=dashboard]');
    await admin.waitForSelector(`#dash-rooms [data-room="${room.id}"]`);
    teacher = start_teacher(server.rtmp_port, room.id, room.teacher_token);
    children.push(teacher);
    await until('the room to go live', () => teacher_ws.slots('room').teacher_live === true, 20_000).catch((e) => {
      throw new Error(`${e.message}\n${failures_log()}`);
    });
    // The timeout is the check (the dashboard is pushed once a second).
    await admin.waitForSelector(`#dash-rooms [data-room="${room.id}"] .badge-live`, { timeout: 3000 });
    await admin.waitForSelector(`#dash-rooms [data-room="${room.id}"] [data-field=media]:has-text("640×360")`, { timeout: 5000 });
  });

  it('plays the live preview on the room page (a moving, non-black picture)', async () => {
    await admin.click(`#dash-rooms [data-room="${room.id}"]`);
    await admin.waitForSelector('#room-title');
    await video_advances(admin, '#preview', 1.0);
    const frame = await admin.locator('#preview').screenshot();
    const share = await bright_share(admin, frame);
    assert.ok(share > 0.3, `the preview is mostly black (${(share * 100).toFixed(1)}% bright pixels)`);
  });

  it('lets a student join by link, chat and raise a hand', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    student = await ctx.newPage();
    student.on('pageerror', (e) => page_errors.push(`student: ${e.stack || e}`));
    await student.goto(room.student_link);
    await student.fill('#join-name', 'Ana');
    await student.selectOption('#latency', 'low');
    await student.click('#join-submit');
    await student.waitForSelector('#roster li:has-text("Ana")');
    await video_advances(student, '#player', 1.0);

    await student.fill('.chat-form input', 'Can you hear me?');
    await student.click('.chat-form button');
    await teacher_ws.frame('the chat message', (f) => f.op === 'so.change' && f.so === 'chat' &&
      f.changes.some((c) => c.value?.text === 'Can you hear me?' && c.value?.name === 'Ana'));

    await student.click('#hand');
    const ana = await until('Ana in the teacher roster', () =>
      Object.entries(teacher_ws.slots('roster')).find(([, p]) => p.name === 'Ana'));
    await teacher_ws.frame('the raised hand', (f) => f.op === 'so.change' && f.so === 'roster' &&
      f.changes.some((c) => c.slot === ana[0] && c.value?.hand === true));
    await student.waitForSelector('#hand[aria-pressed=true]');
    await shot(student, 'join.png');

    // The admin's room page shows the same class.
    await admin.waitForSelector(`#roster li[data-participant="${ana[0]}"]:has-text("hand up")`);
    await admin.waitForSelector('#hands li:has-text("Ana")');
    await admin.waitForSelector('#chat-list li:has-text("Can you hear me?")');
    await shot(admin, 'room.png', { fullPage: true });

    // The dashboard counts the student who watches (a second admin page, same session).
    const dash = await admin.context().newPage();
    await dash.goto(`${server.base}/#/`);
    await dash.waitForSelector(`#dash-rooms [data-room="${room.id}"] [data-field=students]:has-text("1 student")`);
    await dash.waitForSelector(`#dash-rooms [data-room="${room.id}"] [data-field=players]:has-text("2 watching")`);
    await shot(dash, 'dashboard.png');
    await dash.close();
  });

  it('kicks the student from the room page', async () => {
    const ana = Object.entries(teacher_ws.slots('roster')).find(([, p]) => p.name === 'Ana');
    await admin.click(`#roster li[data-participant="${ana[0]}"] [data-test=kick]`);
    await student.waitForSelector('#join-error:has-text("removed")');
    await until('Ana to leave the teacher roster', () => !teacher_ws.slots('roster')[ana[0]]);
    await admin.waitForSelector(`#roster li[data-participant="${ana[0]}"]`, { state: 'detached' });
  });

  it('deletes a chat message and rotates the student token', async () => {
    const msg = await admin.getAttribute('#chat-list li:has-text("Can you hear me?")', 'data-message');
    await admin.click(`#chat-list li[data-message="${msg}"] [data-test=delete-message]`);
    await teacher_ws.frame('the chat deletion', (f) => f.op === 'so.change' && f.so === 'chat' &&
      f.changes.some((c) => c.slot === msg && c.deleted));
    await admin.waitForSelector(`#chat-list li[data-message="${msg}"]`, { state: 'detached' });

    const old_token = room.student_token;
    await admin.selectOption('[aria-label="Tokens to rotate"]', 'student');
    await admin.click('[data-test=rotate]');
    const link = await until('the new student link', async () => {
      const v = await admin.inputValue('[data-test=student-link]');
      return v !== room.student_link ? v : undefined;
    });
    assert.equal((await api('GET', `/api/v1/rooms/${room.id}/join?token=${old_token}`)).status, 401);
    // A student who opens the old link reads the server's reason, not a join form.
    await student.goto(room.student_link);
    await student.waitForSelector('#join-error:has-text("rotated")');
    assert.equal(await student.$('#join-name'), null);
    const fresh = (await api('GET', `/api/v1/rooms/${room.id}`)).body;
    assert.equal(link, fresh.student_link);
    assert.equal(await admin.inputValue('[data-test=teacher-link]'), room.teacher_link, 'teacher link kept');
  });

  it('shows the attendance and exports it as CSV', async () => {
    await admin.reload();
    await admin.waitForSelector('#attendance td:has-text("Ana")');
    const [download] = await Promise.all([admin.waitForEvent('download'), admin.click('[data-test=attendance-csv]')]);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.match(csv, /Ana/);
    assert.match(csv, /student/);
  });

  it('lists the class recording, plays it and downloads it whole', async () => {
    await teacher.stop('SIGINT');
    const rec = await until('the recording (with its MP4)', async () => {
      const { body } = await api('GET', `/api/v1/recordings?room=${room.id}`);
      return body?.recordings?.find((r) => r.mp4 === true);
    }, 30_000, 250);
    await admin.goto(`${server.base}/#/recordings?room=${room.id}`);
    const row = `#recordings tr[data-recording="${rec.id}"]`;
    await admin.waitForSelector(row);
    await admin.click(`${row} [data-test=play-recording]`);
    await video_advances(admin, '#recording-video', 0.5);
    const [download] = await Promise.all([
      admin.waitForEvent('download'),
      admin.click(`${row} [data-test=download-recording]`),
    ]);
    const size = statSync(await download.path()).size;
    assert.equal(size, rec.size_bytes);
  });

  it('deletes the room', async () => {
    await admin.click('nav.nav a[data-nav=rooms]');
    const row = `.rooms-table tr[data-room="${room.id}"]`;
    await admin.waitForSelector(row);
    await admin.click(`${row} [data-test=delete-room]`);
    await admin.waitForSelector(row, { state: 'detached' });
    assert.equal((await api('GET', `/api/v1/rooms/${room.id}`)).status, 404);
  });

  it('shows the server page with its health and traffic', async () => {
    await admin.click('nav.nav a[data-nav=server]');
    await admin.waitForSelector('#server-facts dd:has-text("ok (schema")');
    // The teacher sent its class: the relay's byte count reads as a size, not a dash.
    const received = await admin.textContent('#server-facts dt:has-text("Received") + dd');
    assert.match(received, /^\d+\.\d (KiB|MiB|GiB)$/);
  });

  it('threw no uncaught error in any page', () => {
    assert.deepEqual(page_errors, []);
  });
});

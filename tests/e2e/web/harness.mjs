// Harness of the web panel's browser tests: the real lectern-server on loopback port 0 with
// the built panel as its web root, the ffmpeg CLI as the teacher, Debian's headless Chromium
// driven by playwright-core, and a WebSocket control-channel client (the `ws` package: Node 20
// has no WebSocket global). Every wait is bounded; every process is ended by its pid.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../../..');
// playwright-core and ws are pinned devDependencies of web/ (web/package-lock.json).
const web_require = createRequire(join(repo, 'web', 'package.json'));
export const { chromium } = web_require('playwright-core');
const WebSocket = web_require('ws');

export const bin_dir = process.env.LECTERN_BIN_DIR ?? join(repo, 'build', 'bin');
export const web_root = process.env.LECTERN_WEB_ROOT ?? join(bin_dir, '..', 'web');
export const chromium_path = process.env.LECTERN_CHROMIUM ?? '/usr/bin/chromium';
export const admin_password = 'correct-horse-battery';

/** Resolves with the first value `probe()` returns that is not undefined, or throws. */
export async function until(what, probe, timeout_ms = 15_000, every_ms = 100) {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout_ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every_ms));
  }
}

// Children still running when this process ends (a crash, ctest's timeout) are killed with
// it, so no server or ffmpeg outlives a failed run.
const running = new Set();
process.on('exit', () => {
  for (const c of running) c.proc.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
}

/** A child process whose output is kept (the last 200 lines) for failure messages. */
class Child {
  constructor(name, args, env = process.env) {
    this.name = name;
    this.lines = [];
    this.proc = spawn(args[0], args.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = once(this.proc, 'exit');
    running.add(this);
    this.exited.then(() => running.delete(this));
    for (const stream of [this.proc.stdout, this.proc.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        if (this.lines.length > 200) this.lines.shift();
        this.on_line?.(line);
      });
    }
  }

  log() {
    return `--- ${this.name} (last lines):\n${this.lines.join('\n')}`;
  }

  /** Sends `signal` and waits (bounded) for the exit; SIGKILL after the grace time. */
  async stop(signal = 'SIGTERM', grace_ms = 10_000) {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), grace_ms);
    await this.exited;
    clearTimeout(timer);
  }
}

/** lectern-server on loopback port 0 in a temp data dir, serving the built panel. */
export async function start_server(data_dir) {
  const server_bin = join(bin_dir, 'lectern-server');
  if (!existsSync(server_bin)) throw new Error(`${server_bin} is missing: build it first (cmake --build build)`);
  if (!existsSync(join(web_root, 'index.html'))) {
    throw new Error(`${web_root}/index.html is missing: build the panel (cmake --build build --target lectern_web)`);
  }
  const env = { ...process.env, LECTERN_ADMIN_PASSWORD: admin_password };
  const child = new Child('lectern-server', [server_bin, '--rtmp-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0',
    '--data-dir', data_dir, '--threads', '2', '--web-root', web_root], env);
  const ports = {};
  child.on_line = (line) => {
    const m = line.match(/^listening (rtmp|http) 127\.0\.0\.1:(\d+)$/);
    if (m) ports[m[1]] = Number(m[2]);
  };
  await until('lectern-server to print its ports', () => {
    if (child.proc.exitCode !== null) throw new Error(`lectern-server exited early\n${child.log()}`);
    return ports.rtmp && ports.http;
  }, 15_000);
  child.rtmp_port = ports.rtmp;
  child.http_port = ports.http;
  child.base = `http://127.0.0.1:${ports.http}`;
  return child;
}

/** The teacher: FFmpeg's moving test pattern and a tone, H.264/AAC, published with the token. */
export function start_teacher(rtmp_port, room, token) {
  return new Child('ffmpeg teacher', ['ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'warning',
    '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25',
    '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-keyint_min', '25',
    '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-profile:v', 'baseline',
    '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', `rtmp://127.0.0.1:${rtmp_port}/live/${room}?token=${token}`]);
}

/** A control-channel client (docs/control-protocol.md) that records every frame it gets. */
export class ControlClient {
  constructor(base, hello) {
    this.frames = [];
    this.objects = new Map();
    this.ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/ws`);
    this.ws.on('open', () => this.ws.send(JSON.stringify({ op: 'hello', ...hello })));
    this.ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      this.frames.push(f);
      if (f.op === 'so.state') this.objects.set(f.so, { ...f.slots });
      if (f.op === 'so.change') {
        const slots = this.objects.get(f.so) ?? {};
        for (const c of f.changes) {
          if (c.deleted) delete slots[c.slot];
          else slots[c.slot] = c.value;
        }
        this.objects.set(f.so, slots);
      }
    });
  }

  slots(so) {
    return this.objects.get(so) ?? {};
  }

  /** Waits for a frame `match(frame)` accepts (also one that came already). */
  frame(what, match, timeout_ms = 10_000) {
    return until(what, () => this.frames.find(match), timeout_ms, 50);
  }

  close() {
    this.ws.close();
  }
}

/** The admin API with a bearer token, for set-up checks beside the browser. */
export async function admin_api(base) {
  const r = await fetch(`${base}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: admin_password }) });
  const { token } = await r.json();
  return async (method, path, body) => {
    const res = await fetch(`${base}${path}`, { method, headers: { Authorization: `Bearer ${token}`,
      ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, body: res.status === 204 ? null : await res.json().catch(() => null) };
  };
}

/** Headless Chromium, without the background traffic a closed network refuses. */
export function launch_browser() {
  if (!existsSync(chromium_path)) throw new Error(`${chromium_path} is missing: run deploy/install-deps.sh (Debian package chromium)`);
  return chromium.launch({
    executablePath: chromium_path,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** Share of pixels brighter than near-black in a PNG (decoded by the browser in `page`). */
export function bright_share(page, png) {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const g = canvas.getContext('2d');
    g.drawImage(img, 0, 0);
    const { data } = g.getImageData(0, 0, canvas.width, canvas.height);
    let bright = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 120) bright += 1;
    return bright / (data.length / 4);
  }, png.toString('base64'));
}

/** Waits until a <video> shows advancing media: currentTime grows by `by` seconds. */
export async function video_advances(page, selector, by = 0.5, timeout_ms = 20_000) {
  // The element may not exist yet (pages render after their first API answer).
  const time = () => page.evaluate((sel) => {
    const v = document.querySelector(sel);
    return v && v.readyState >= 2 ? v.currentTime : undefined;
  }, selector);
  const start = await until(`${selector} to start playing`, async () => {
    const t = await time();
    return t > 0 ? t : undefined;
  }, timeout_ms);
  return until(`${selector} to advance`, async () => {
    const t = await time();
    return t >= start + by ? t : undefined;
  }, timeout_ms);
}

export function temp_dir() {
  const dir = mkdtempSync(join(tmpdir(), 'lectern-web-e2e-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

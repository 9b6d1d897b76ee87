// Live playback of a room through mpegts.js (FLV → fragmented MP4 → Media Source Extensions).
// The latency choices of the join page map to mpegts.js's buffer settings (web/README.md):
//   low      ~0.5–1 s behind live: no stash buffer, jump when more than 1 s behind,
//            play 10% faster to stay near 0.5 s; may stall on a poor network.
//   balanced ~1–2 s: no stash buffer, jump past 2.5 s, speed up to stay near 1.2 s.
//   smooth   ~3–6 s: stash buffer on (fewer, larger appends), jump only past 8 s, never
//            speeds up; rides out network hiccups best.
import mpegts from 'mpegts.js';
import { ws_url } from './control.js';

// Warnings and errors only: mpegts.js logs every parsed header to the console by default.
mpegts.LoggingControl.enableDebug = false;
mpegts.LoggingControl.enableVerbose = false;
mpegts.LoggingControl.enableInfo = false;

/** mpegts.js settings per latency choice. */
export const latency_modes = {
  low: {
    label: 'Low latency',
    config: {
      enableStashBuffer: false,
      liveBufferLatencyChasing: true,
      liveBufferLatencyMaxLatency: 1.0,
      liveBufferLatencyMinRemain: 0.3,
      liveSync: true,
      liveSyncMaxLatency: 0.8,
      liveSyncTargetLatency: 0.5,
      liveSyncPlaybackRate: 1.1,
    },
  },
  balanced: {
    label: 'Balanced',
    config: {
      enableStashBuffer: false,
      liveBufferLatencyChasing: true,
      liveBufferLatencyMaxLatency: 2.5,
      liveBufferLatencyMinRemain: 1.0,
      liveSync: true,
      liveSyncMaxLatency: 1.8,
      liveSyncTargetLatency: 1.2,
      liveSyncPlaybackRate: 1.05,
    },
  },
  smooth: {
    label: 'Smooth',
    config: {
      enableStashBuffer: true,
      stashInitialSize: 384 * 1024,
      liveBufferLatencyChasing: true,
      liveBufferLatencyMaxLatency: 8.0,
      liveBufferLatencyMinRemain: 3.0,
      liveSync: false,
    },
  },
};

/** Whether this browser can play live FLV at all (needs MSE with H.264). */
export function playback_supported() {
  const f = mpegts.getFeatureList();
  return f.mseLivePlayback;
}

/**
 * Plays `url` (an /live/ROOM.flv URL, http(s): or ws(s):) in `video` with a latency mode.
 * Returns {destroy(), latency()} ; `on_error(text)` is told when playback fails.
 */
export function play_live(video, url, mode = 'balanced', on_error = () => {}) {
  const settings = latency_modes[mode] ?? latency_modes.balanced;
  const player = mpegts.createPlayer(
    // hasAudio/hasVideo unset: the FLV header's flags decide (a teacher may send no audio).
    { type: 'flv', isLive: true, url },
    {
      enableWorker: false,
      lazyLoad: false,
      autoCleanupSourceBuffer: true,
      autoCleanupMaxBackwardDuration: 30,
      autoCleanupMinBackwardDuration: 15,
      ...settings.config,
    },
  );
  player.on(mpegts.Events.ERROR, (type, detail, info) => {
    on_error(`${type}: ${detail}${info?.msg ? ` (${info.msg})` : ''}`);
  });
  player.attachMediaElement(video);
  player.load();
  const started = player.play();
  // Autoplay with sound may be refused until the user clicks; play muted then.
  if (started && typeof started.catch === 'function') {
    started.catch(() => {
      video.muted = true;
      video.play().catch(() => {});
    });
  }
  return {
    destroy() {
      try {
        player.pause();
        player.unload();
        player.detachMediaElement();
      } finally {
        player.destroy();
      }
    },
    /** Seconds between what is shown and the newest buffered media. */
    latency() {
      const b = video.buffered;
      return b.length ? Math.max(0, b.end(b.length - 1) - video.currentTime) : null;
    },
  };
}

/**
 * The room's WebSocket-FLV URL on this server (token may be null: admin cookie or public
 * room). Not HTTP-FLV: mpegts.js cancels an HTTP-FLV fetch in Chrome only when the next
 * chunk arrives, so a player stopped after the teacher left kept its connection (and a
 * player slot on the server) until the server closed it; a WebSocket closes at once.
 */
export function live_url(room, { token = null, participant = null, screen = false } = {}) {
  const q = new URLSearchParams();
  if (token) q.set('token', token);
  if (participant) q.set('participant', participant);
  const qs = q.toString();
  const path = `/live/${encodeURIComponent(room)}${screen ? '-screen' : ''}.flv${qs ? `?${qs}` : ''}`;
  return ws_url(path);
}

/**
 * A <video> that plays a room's stream while the teacher is live (set_live) and tells the
 * viewer what is going on in `note`; the panel's preview and the join page both use it.
 */
export class LiveView {
  constructor(video, note, url, { mode = 'balanced', idle_text, live_text }) {
    this.video = video;
    this.note = note;
    this.url = url;
    this.mode = mode;
    this.idle_text = idle_text;
    this.live_text = live_text;
    this.live = null; // unknown until the room object says
    this.player = null;
  }

  set_live(live) {
    if (live === this.live) return;
    this.live = live;
    this.restart();
  }

  set_mode(mode) {
    this.mode = mode;
    this.restart();
  }

  restart() {
    this.destroy();
    if (!this.live) {
      this.note.textContent = this.idle_text;
      return;
    }
    if (!playback_supported()) {
      this.note.textContent = 'This browser cannot play live video (no Media Source Extensions with H.264).';
      return;
    }
    this.note.textContent = this.live_text(this.mode);
    this.player = play_live(this.video, this.url, this.mode, (err) => {
      this.note.textContent = `Playback problem: ${err}`;
    });
  }

  destroy() {
    this.player?.destroy();
    this.player = null;
  }
}

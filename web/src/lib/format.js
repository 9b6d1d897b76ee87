// Human-readable numbers, sizes, durations and times for the panel and the join page.

export function bytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function bitrate(bytes_per_s) {
  const kbps = (Number(bytes_per_s) * 8) / 1000;
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbit/s` : `${kbps.toFixed(0)} kbit/s`;
}

export function duration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const two = (x) => String(x).padStart(2, '0');
  return hh > 0 ? `${hh}:${two(mm)}:${two(ss)}` : `${mm}:${two(ss)}`;
}

export function uptime(seconds) {
  const s = Math.floor(Number(seconds) || 0);
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${hh} h`;
  if (hh > 0) return `${hh} h ${mm} min`;
  return `${mm} min ${s % 60} s`;
}

/** A time in milliseconds since the epoch, in the viewer's locale. */
export function time(ms) {
  if (!ms) return '–';
  return new Date(Number(ms)).toLocaleString();
}

export function clock(ms) {
  if (!ms) return '';
  return new Date(Number(ms)).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

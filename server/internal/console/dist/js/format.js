// Formatting of dates, durations, counts and names for display.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const number = new Intl.NumberFormat();
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

function parse(value) {
  if (!value) return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "12 Mar 2026, 14:05", or an em dash for no date. */
export function formatDateTime(value) {
  const d = parse(value);
  return d ? dateTime.format(d) : '—';
}

/** "14:05:09". */
export function formatClock(value) {
  const d = parse(value);
  return d ? clock.format(d) : '—';
}

/** "3 minutes ago", "in 2 hours", or an em dash. */
export function formatRelative(value, now = Date.now()) {
  const d = parse(value);
  if (!d) return '—';
  const seconds = Math.round((d.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return relative.format(0, 'second');
  if (abs < 45 * 60) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 22 * 3600) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 26 * 86400) return relative.format(Math.round(seconds / 86400), 'day');
  return dateTime.format(d);
}

/** "1,204". */
export function formatCount(n) {
  return number.format(Number(n) || 0);
}

/** A queue latency: "0 s", "4.2 s", "3 m 05 s", "2 h 10 m". */
export function formatLatency(seconds) {
  const s = Number(seconds) || 0;
  if (s <= 0) return '0 s';
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}

/** "customer_service" → "customer service". */
export function roleLabel(role) {
  return String(role || '').replace(/_/g, ' ');
}

/** Up to two initials of a name or an email, for an avatar. */
export function initials(name, email) {
  const source = (name || '').trim() || (email || '').split('@')[0];
  const words = source.split(/[\s._-]+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[1][0] : source.slice(0, 2);
  return letters.toUpperCase() || '?';
}

// The console's building blocks: buttons, cards, tables, badges, messages.

import { h } from './dom.js';
import { icon } from './icons.js';

/** A button; kind is primary, secondary, ghost or danger. */
export function button({ label, iconName, kind = 'secondary', size = '', type = 'button', testid, onClick, title, dataset }) {
  return h('button', {
    type,
    class: ['btn', `btn-${kind}`, size && `btn-${size}`].filter(Boolean).join(' '),
    testid,
    title,
    dataset,
    onclick: onClick,
  }, iconName ? icon(iconName) : null, h('span', { class: 'btn-label' }, label));
}

/** Disables a button while its action runs, optionally with a working label. */
export function setBusy(btn, isBusy, busyLabel) {
  const label = btn.querySelector('.btn-label');
  if (isBusy) {
    btn.dataset.idleLabel = label.textContent;
    if (busyLabel) label.textContent = busyLabel;
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    return;
  }
  if (btn.dataset.idleLabel !== undefined) label.textContent = btn.dataset.idleLabel;
  delete btn.dataset.idleLabel;
  btn.disabled = false;
  btn.removeAttribute('aria-busy');
}

/** The heading of a page, with a description and actions on the right. */
export function pageHeader({ title, description, actions, testid }) {
  return h('div', { class: 'page-header', testid },
    h('div', { class: 'page-heading' },
      h('h1', { class: 'page-title', testid: 'page-title' }, title),
      description ? h('p', { class: 'page-description' }, description) : null),
    actions ? h('div', { class: 'page-actions' }, actions) : null);
}

/** A card; flush removes the body padding (for tables). */
export function card({ title, description, actions, body, testid, flush = false, className = '' }) {
  const header = title || actions
    ? h('header', { class: 'card-header' },
      h('div', { class: 'card-heading' },
        title ? h('h2', { class: 'card-title' }, title) : null,
        description ? h('p', { class: 'card-description' }, description) : null),
      actions ? h('div', { class: 'card-actions' }, actions) : null)
    : null;
  return h('section', { class: `card ${className}`.trim(), testid },
    header, h('div', { class: flush ? 'card-body card-body-flush' : 'card-body' }, body));
}

/**
 * A data table. columns: [{label, className}]; rows: <tr> elements.
 * With no rows it shows the empty state instead.
 */
export function table({ columns, rows, testid, empty, caption }) {
  if (!rows.length && empty) return empty;
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'table', testid },
      caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.className }, c.label)))),
      h('tbody', null, rows)));
}

/** A table row from cells (each a value or a <td>). */
export function row(cells, props) {
  return h('tr', props, cells.map((c) => (c instanceof HTMLTableCellElement ? c : h('td', null, c))));
}

/** A table cell with a class. */
export function cell(className, ...children) {
  return h('td', { class: className }, ...children);
}

/** A small label; tone is neutral, info, ok, warn or danger. */
export function badge(text, tone = 'neutral', testid) {
  return h('span', { class: `badge badge-${tone}`, testid }, text);
}

/** A monospaced value such as an id or a token prefix. */
export function code(text, title) {
  return h('code', { class: 'mono', title: title || text }, text);
}

/** What an empty list shows instead. */
export function emptyState({ iconName = 'check', title, text, testid }) {
  return h('div', { class: 'empty', testid },
    h('div', { class: 'empty-icon' }, icon(iconName)),
    h('p', { class: 'empty-title' }, title),
    text ? h('p', { class: 'empty-text' }, text) : null);
}

/** A spinner line while something loads. */
export function loading(text = 'Loading…') {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

/** A message box; tone is info, ok, warn or danger. */
export function callout({ tone = 'info', title, text, actions, testid, iconName }) {
  const glyph = iconName || (tone === 'ok' ? 'check' : tone === 'info' ? 'shield' : 'alert');
  return h('div', { class: `callout callout-${tone}`, role: tone === 'danger' ? 'alert' : 'status', testid },
    h('div', { class: 'callout-icon' }, icon(glyph)),
    h('div', { class: 'callout-main' },
      title ? h('p', { class: 'callout-title' }, title) : null,
      text ? h('p', { class: 'callout-text' }, text) : null),
    actions ? h('div', { class: 'callout-actions' }, actions) : null);
}

/** A form's error line, hidden until it has a message. */
export function errorLine(testid) {
  return h('p', { class: 'form-error', role: 'alert', testid, hidden: true });
}

/** Shows a message in an error line, or hides it for ''. */
export function setError(el, message) {
  el.textContent = message || '';
  el.hidden = !message;
}

/** A labeled form control with an optional hint. */
export function field({ label, control, hint, className = '' }) {
  return h('label', { class: `field ${className}`.trim() },
    h('span', { class: 'field-label' }, label),
    control,
    hint ? h('span', { class: 'field-hint' }, hint) : null);
}

/** Short-lived notices in the corner of the screen. */
export class Toaster {
  constructor(parent) {
    this.el = h('div', { class: 'toasts', 'aria-live': 'polite', testid: 'toasts' });
    parent.append(this.el);
  }

  show(message, tone = 'ok', ms = 4000) {
    const toast = h('div', { class: `toast toast-${tone}`, testid: 'toast', role: 'status' },
      icon(tone === 'ok' ? 'check' : 'alert'), h('span', null, message));
    this.el.append(toast);
    setTimeout(() => toast.remove(), ms);
  }
}

// API tokens: list, create (the secret is shown once) and revoke.

import { h, replace } from '../dom.js';
import { icon } from '../icons.js';
import {
  badge, button, callout, card, cell, code, emptyState, errorLine, field, loading, pageHeader, row, setBusy, setError, table,
} from '../ui.js';
import { formatDateTime, formatRelative } from '../format.js';

const EXPIRY_CHOICES = [
  ['', 'Never'],
  ['30', 'In 30 days'],
  ['90', 'In 90 days'],
  ['365', 'In 1 year'],
];

function expiryFrom(days) {
  if (!days) return '';
  return new Date(Date.now() + Number(days) * 86400 * 1000).toISOString();
}

function statusOf(token) {
  if (token.revoked_at) return badge('Revoked', 'danger');
  if (token.expires_at && new Date(token.expires_at) <= new Date()) return badge('Expired', 'warn');
  return badge('Active', 'ok');
}

async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input.select();
    return document.execCommand && document.execCommand('copy');
  }
}

/** The one-time view of a new token's secret. */
function secretPanel(created, onDone) {
  const input = h('input', {
    class: 'input mono secret-input', readOnly: true, value: created.secret, testid: 'token-secret',
    'aria-label': 'New API token secret', spellcheck: 'false',
  });
  input.addEventListener('focus', () => input.select());
  const copy = button({ label: 'Copy', iconName: 'copy', kind: 'secondary', testid: 'token-secret-copy' });
  copy.addEventListener('click', async () => {
    const ok = await copyText(created.secret, input);
    copy.querySelector('.btn-label').textContent = ok ? 'Copied' : 'Copy failed: select and copy';
    copy.classList.toggle('btn-done', Boolean(ok));
    setTimeout(() => {
      copy.querySelector('.btn-label').textContent = 'Copy';
      copy.classList.remove('btn-done');
    }, 2500);
  });
  return h('section', { class: 'secret-panel', testid: 'token-secret-panel', role: 'status' },
    h('div', { class: 'secret-head' },
      h('span', { class: 'secret-icon' }, icon('key')),
      h('div', null,
        h('p', { class: 'secret-title' }, `Token “${created.token.name}” created`),
        h('p', { class: 'secret-text' }, 'Copy the secret now. It is shown only this once; Manifold stores only a hash of it. If you lose it, revoke the token and create a new one.'))),
    h('div', { class: 'secret-row' }, input, copy),
    h('div', { class: 'secret-foot' },
      h('span', { class: 'muted small' }, 'Send it as ', h('code', null, 'Authorization: Bearer <token>'), '.'),
      button({ label: 'Done', iconName: 'check', kind: 'primary', testid: 'token-secret-dismiss', onClick: onDone })));
}

export function render({ api, session, toast, reauth }) {
  const canWrite = session.can('tokens:write');
  const secretSlot = h('div', { class: 'secret-slot' });
  const listBody = h('div', null, loading('Loading tokens…'));
  const count = h('span', { class: 'count', testid: 'tokens-count' });
  let owners = new Map([[session.user.id, session.user]]);
  const ownersReady = session.can('users:read')
    ? api.listUsers().then((users) => { owners = new Map(users.map((u) => [u.id, u])); }).catch(() => {})
    : Promise.resolve();

  const ownerOf = (token) => {
    const u = owners.get(token.user_id);
    if (!u) return code(token.user_id.slice(0, 8), token.user_id);
    return h('span', null, u.name || u.email, u.id === session.user.id ? h('span', { class: 'muted' }, ' (you)') : null);
  };

  const revokeControls = (token, rowEl) => {
    const slot = h('div', { class: 'row-actions' });
    const ask = () => replace(slot,
      h('span', { class: 'confirm-text' }, 'Revoke?'),
      button({ label: 'Revoke', kind: 'danger', size: 'sm', testid: 'token-revoke-confirm', onClick: confirm }),
      button({ label: 'Cancel', kind: 'ghost', size: 'sm', testid: 'token-revoke-cancel', onClick: idle }));
    const idle = () => replace(slot, button({ label: 'Revoke', kind: 'danger-ghost', size: 'sm', testid: 'token-revoke', onClick: ask }));
    async function confirm(event) {
      setBusy(event.currentTarget, true, 'Revoking…');
      try {
        await api.revokeToken(token.id);
      } catch (err) {
        idle();
        if (err.code === 'reauth_required') reauth(err.message);
        else toast(err.message, 'danger');
        return;
      }
      toast(`Token “${token.name}” revoked. It no longer works.`);
      rowEl.classList.add('row-fade');
      await load();
    }
    idle();
    return slot;
  };

  const tokenRow = (token) => {
    const tr = row([]);
    tr.dataset.testid = 'token-row';
    tr.dataset.id = token.id;
    tr.dataset.name = token.name;
    tr.append(
      cell('strong', token.name),
      cell('', code(`${token.prefix}…`, 'The first characters of the secret')),
      cell('', ownerOf(token)),
      cell('nowrap muted', formatDateTime(token.created_at)),
      cell('nowrap muted', token.last_used_at ? h('span', { title: formatDateTime(token.last_used_at) }, formatRelative(token.last_used_at)) : 'Never'),
      cell('nowrap muted', token.expires_at ? formatDateTime(token.expires_at) : 'Never'),
      cell('', statusOf(token)),
      cell('actions', canWrite && !token.revoked_at ? revokeControls(token, tr) : null));
    return tr;
  };

  async function load() {
    try {
      const [tokens] = await Promise.all([api.listTokens(), ownersReady]);
      const active = tokens.filter((t) => !t.revoked_at).length;
      count.textContent = `${active} active`;
      replace(listBody, table({
        testid: 'tokens-table',
        caption: 'API tokens of the tenant',
        columns: [
          { label: 'Name' }, { label: 'Prefix' }, { label: 'Acts as' }, { label: 'Created' }, { label: 'Last used' },
          { label: 'Expires' }, { label: 'Status' }, { label: '', className: 'actions' },
        ],
        rows: tokens.map(tokenRow),
        empty: emptyState({ iconName: 'key', title: 'No API tokens yet.', text: 'Create one above to connect an integration.', testid: 'tokens-empty' }),
      }));
    } catch (err) {
      replace(listBody, h('div', { class: 'card-pad' }, callout({ tone: 'danger', title: 'Tokens could not be loaded', text: err.message, testid: 'tokens-error' })));
    }
  }

  let createCard = null;
  if (canWrite) {
    const name = h('input', { class: 'input', name: 'name', maxLength: 100, required: true, testid: 'token-name', placeholder: 'e.g. ERP export, Station 3', autocomplete: 'off' });
    const expiry = h('select', { class: 'input', name: 'expiry', testid: 'token-expiry' }, EXPIRY_CHOICES.map(([v, label]) => h('option', { value: v }, label)));
    const submit = button({ label: 'Create token', iconName: 'plus', kind: 'primary', type: 'submit', testid: 'token-create' });
    const error = errorLine('token-create-error');
    const form = h('form', { class: 'form-inline', testid: 'token-create-form', novalidate: true },
      field({ label: 'Name', control: name, className: 'grow' }),
      field({ label: 'Expires', control: expiry }),
      h('div', { class: 'form-inline-submit' }, submit));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const tokenName = name.value.trim();
      if (!tokenName) {
        setError(error, 'Give the token a name that says where it is used.');
        name.focus();
        return;
      }
      setError(error, '');
      setBusy(submit, true, 'Creating…');
      try {
        const created = await api.createToken(tokenName, expiryFrom(expiry.value));
        form.reset();
        replace(secretSlot, secretPanel(created, () => replace(secretSlot)));
        secretSlot.querySelector('[data-testid="token-secret-copy"]').focus();
        await load();
      } catch (err) {
        setError(error, err.message);
        if (err.code === 'reauth_required') reauth(err.message);
      } finally {
        setBusy(submit, false);
      }
    });
    createCard = card({
      title: 'Create a token',
      description: 'A token acts as you, with your role’s permissions, until it expires or is revoked.',
      testid: 'token-create-card',
      body: [form, error],
    });
  }

  const el = h('div', { class: 'page', testid: 'page-tokens' },
    pageHeader({ title: 'API tokens', description: 'Credentials for integrations, scripts and packing stations that call the Manifold API.' }),
    secretSlot,
    createCard,
    card({ title: h('span', null, 'Tokens ', count), body: listBody, flush: true }));

  load();
  return { el };
}

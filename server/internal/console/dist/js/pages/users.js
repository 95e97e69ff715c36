// The tenant's users.

import { h, replace } from '../dom.js';
import { badge, callout, card, cell, emptyState, loading, pageHeader, row, table } from '../ui.js';
import { formatDateTime, initials, roleLabel } from '../format.js';

function userRow(user, me) {
  return row([
    h('div', { class: 'cell-person' },
      h('span', { class: 'avatar avatar-sm', 'aria-hidden': 'true' }, initials(user.name, user.email)),
      h('span', { class: 'person' },
        h('span', { class: 'person-name' }, user.name || '—', user.id === me.id ? badge('you', 'neutral') : null),
        h('span', { class: 'person-email' }, user.email))),
    badge(roleLabel(user.role), 'info'),
    user.disabled ? badge('Disabled', 'neutral') : badge('Active', 'ok'),
    cell('nowrap muted', formatDateTime(user.created_at)),
  ], { testid: 'user-row', dataset: { email: user.email } });
}

export function render({ api, session }) {
  const body = h('div', null, loading('Loading users…'));
  const count = h('span', { class: 'count', testid: 'users-count' });
  const el = h('div', { class: 'page', testid: 'page-users' },
    pageHeader({ title: 'Users', description: 'Everyone who can sign in to this tenant, with their role.' }),
    card({ title: h('span', null, 'Members ', count), body, flush: true }));

  api.listUsers().then((users) => {
    users.sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email));
    count.textContent = String(users.length);
    replace(body, table({
      testid: 'users-table',
      caption: 'Users of the tenant',
      columns: [{ label: 'User' }, { label: 'Role' }, { label: 'Status' }, { label: 'Added' }],
      rows: users.map((u) => userRow(u, session.user)),
      empty: emptyState({ iconName: 'users', title: 'No users yet.' }),
    }));
  }).catch((err) => {
    replace(body, h('div', { class: 'card-pad' }, callout({ tone: 'danger', title: 'Users could not be loaded', text: err.message, testid: 'users-error' })));
  });
  return { el };
}

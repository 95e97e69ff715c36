// The overview: who is signed in, for which tenant, with which permissions.

import { h } from '../dom.js';
import { icon } from '../icons.js';
import { badge, card, code, pageHeader } from '../ui.js';
import { formatDateTime, roleLabel } from '../format.js';

/** Rows of an object's read/write permissions, e.g. {catalog: {read, write}}. */
function groupPermissions(permissions) {
  const groups = new Map();
  for (const p of permissions || []) {
    const [object, action] = p.split(':');
    if (!groups.has(object)) groups.set(object, new Set());
    groups.get(object).add(action);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

function details(items, testid) {
  return h('dl', { class: 'details', testid },
    items.map(([term, value, id]) => [h('dt', null, term), h('dd', { testid: id }, value)]));
}

function permissionsCard(session) {
  const groups = groupPermissions(session.me.permissions);
  const tag = (on, label) => h('span', { class: on ? 'tag tag-on' : 'tag tag-off', title: on ? 'allowed' : 'not allowed' },
    on ? icon('check') : null, label);
  const body = groups.length
    ? h('ul', { class: 'perm-grid', testid: 'home-permissions' },
      groups.map(([object, actions]) => h('li', { class: 'perm-item', testid: 'permission', dataset: { object } },
        h('span', { class: 'perm-object' }, object),
        h('span', { class: 'perm-tags' }, tag(actions.has('read'), 'read'), tag(actions.has('write'), 'change')))))
    : h('p', { class: 'muted', testid: 'home-permissions' }, 'This role holds no permissions.');
  return card({
    title: 'Role and permissions',
    description: `What the ${roleLabel(session.role)} role may do${session.tenant ? ' in this tenant' : ' on this instance'}.`,
    body, className: 'span-2',
  });
}

function shortcuts(session) {
  const links = [
    ['users', 'users', 'Users', 'People who sign in to this tenant and their roles.', 'users:read'],
    ['tokens', 'key', 'API tokens', 'Credentials for integrations, scripts and packing stations.', 'tokens:read'],
    ['jobs', 'activity', 'Jobs', 'Background queues, latency and failed jobs.', 'platform.jobs:read'],
    ['tenants', 'building', 'Tenants', 'Manufacturers served by this instance.', 'platform.tenants:read'],
  ].filter(([, , , , perm]) => session.can(perm));
  if (!links.length) return null;
  return h('div', { class: 'shortcuts' }, links.map(([path, iconName, title, text]) =>
    h('a', { class: 'shortcut', href: `#/${path}`, testid: `shortcut-${path}` },
      h('span', { class: 'shortcut-icon' }, icon(iconName)),
      h('span', { class: 'shortcut-text' }, h('span', { class: 'shortcut-title' }, title), h('span', { class: 'shortcut-sub' }, text)))));
}

export function render({ session }) {
  const { user, tenant } = session;
  const first = (user.name || user.email).split(/\s+/)[0];
  const scope = tenant
    ? card({
      title: 'Tenant',
      testid: 'home-tenant',
      body: details([
        ['Name', tenant.name, 'home-tenant-name'],
        ['Slug', code(tenant.slug), 'home-tenant-slug'],
        ['Tenant ID', code(tenant.id)],
        ['Created', formatDateTime(tenant.created_at)],
      ]),
    })
    : card({
      title: 'Platform',
      testid: 'home-tenant',
      body: [
        details([['Scope', 'All tenants of this instance', 'home-tenant-name']]),
        h('p', { class: 'muted small' }, 'Operators create tenants and watch the job queues. Tenant data stays with each tenant.'),
      ],
    });
  const account = card({
    title: 'Your account',
    testid: 'home-user',
    body: details([
      ['Name', user.name || '—', 'home-user-name'],
      ['Email', user.email, 'home-user-email'],
      ['Role', badge(roleLabel(session.role), 'info', 'home-role'), null],
      ['Signed in with', session.me.auth_method === 'session' ? 'Password (console session)' : session.me.auth_method],
    ]),
  });

  const el = h('div', { class: 'page', testid: 'page-home' },
    pageHeader({
      title: `Welcome, ${first}`,
      description: tenant
        ? `You are working in ${tenant.name}.`
        : 'You are signed in as a platform operator of this Manifold instance.',
    }),
    shortcuts(session),
    h('div', { class: 'grid grid-2' }, scope, account, permissionsCard(session)));
  return { el };
}

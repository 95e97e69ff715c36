// Tenants (platform operators): every manufacturer on the instance, and a
// form to add one.

import { h, replace } from '../dom.js';
import {
  button, callout, card, cell, code, emptyState, errorLine, field, loading, pageHeader, row, setBusy, setError, table,
} from '../ui.js';
import { formatDateTime } from '../format.js';

/** A slug suggested from a name: "Acme Tools GmbH" → "acme-tools-gmbh". */
function slugify(name) {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
}

export function render({ api, session, toast, reauth }) {
  const listBody = h('div', null, loading('Loading tenants…'));
  const count = h('span', { class: 'count', testid: 'tenants-count' });
  let highlight = '';

  const tenantRow = (t) => row([
    cell('strong', t.name),
    cell('', code(t.slug)),
    cell('', code(t.id)),
    cell('nowrap muted', formatDateTime(t.created_at)),
  ], { testid: 'tenant-row', class: t.id === highlight ? 'row-new' : null, dataset: { slug: t.slug } });

  async function load() {
    try {
      const tenants = await api.listTenants();
      tenants.sort((a, b) => a.name.localeCompare(b.name));
      count.textContent = String(tenants.length);
      replace(listBody, table({
        testid: 'tenants-table',
        caption: 'Tenants of the instance',
        columns: [{ label: 'Name' }, { label: 'Slug' }, { label: 'Tenant ID' }, { label: 'Created' }],
        rows: tenants.map(tenantRow),
        empty: emptyState({ iconName: 'building', title: 'No tenants yet.', text: 'Create the first manufacturer above.', testid: 'tenants-empty' }),
      }));
    } catch (err) {
      replace(listBody, h('div', { class: 'card-pad' }, callout({ tone: 'danger', title: 'Tenants could not be loaded', text: err.message, testid: 'tenants-error' })));
    }
  }

  let createCard = null;
  if (session.can('platform.tenants:write')) {
    const name = h('input', { class: 'input', name: 'name', required: true, testid: 'tenant-name', placeholder: 'Acme Tools GmbH', autocomplete: 'off' });
    const slug = h('input', { class: 'input mono', name: 'slug', required: true, maxLength: 63, testid: 'tenant-slug', placeholder: 'acme-tools', autocomplete: 'off', spellcheck: 'false' });
    let slugEdited = false;
    name.addEventListener('input', () => {
      if (!slugEdited) slug.value = slugify(name.value);
    });
    slug.addEventListener('input', () => {
      slugEdited = slug.value !== '';
    });
    const submit = button({ label: 'Create tenant', iconName: 'plus', kind: 'primary', type: 'submit', testid: 'tenant-create' });
    const error = errorLine('tenant-create-error');
    const form = h('form', { class: 'form-inline', testid: 'tenant-create-form', novalidate: true },
      field({ label: 'Name', control: name, className: 'grow' }),
      field({ label: 'Slug', control: slug, className: 'grow' }),
      h('div', { class: 'form-inline-submit' }, submit));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const values = { name: name.value.trim(), slug: slug.value.trim() };
      if (!values.name || !values.slug) {
        setError(error, 'Enter a name and a slug.');
        (values.name ? slug : name).focus();
        return;
      }
      setError(error, '');
      setBusy(submit, true, 'Creating…');
      try {
        const tenant = await api.createTenant(values.slug, values.name);
        highlight = tenant.id;
        form.reset();
        slugEdited = false;
        toast(`Tenant “${tenant.name}” created.`);
        await load();
      } catch (err) {
        setError(error, err.message);
        if (err.code === 'reauth_required') reauth(err.message);
      } finally {
        setBusy(submit, false);
      }
    });
    createCard = card({
      title: 'Add a tenant',
      description: 'A tenant is one manufacturer. Its slug is a short unique name: 2–63 lowercase letters, digits or dashes.',
      testid: 'tenant-create-card',
      body: [form, error],
    });
  }

  const el = h('div', { class: 'page', testid: 'page-tenants' },
    pageHeader({ title: 'Tenants', description: 'Manufacturers served by this Manifold instance.' }),
    createCard,
    card({ title: h('span', null, 'All tenants ', count), body: listBody, flush: true }));
  load();
  return { el };
}

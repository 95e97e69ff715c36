// The frame around every signed-in page: sidebar navigation, the header with
// the tenant and the user, and the content area.

import { h, replace } from './dom.js';
import { icon } from './icons.js';
import { button, callout } from './ui.js';
import { initials, roleLabel } from './format.js';

export class Shell {
  /**
   * routes: [{path, title, iconName, section}] the caller may open;
   * onSignOut and onReauth are the header's and the banner's actions.
   */
  constructor({ session, routes, onSignOut, onReauth }) {
    this.session = session;
    this.links = new Map();
    this.content = h('main', { class: 'content', id: 'content', testid: 'content', tabindex: '-1' });
    this.banner = h('div', { class: 'banner-slot' });
    this.signOutButton = button({ label: 'Sign out', iconName: 'logout', kind: 'ghost', testid: 'sign-out', onClick: onSignOut });
    this.onReauth = onReauth;
    this.el = h('div', { class: 'layout', testid: 'app-shell' },
      this.sidebar(routes),
      h('div', { class: 'main' }, this.topbar(), this.banner, this.content));
    this.refreshBanner();
  }

  sidebar(routes) {
    const { tenant } = this.session;
    const nav = h('nav', { class: 'nav', 'aria-label': 'Main' });
    let section = null;
    for (const r of routes) {
      if (r.section && r.section !== section) {
        section = r.section;
        nav.append(h('div', { class: 'nav-section' }, section));
      }
      const link = h('a', { href: `#/${r.path}`, class: 'nav-link', testid: `nav-${r.path}` }, icon(r.iconName), h('span', null, r.title));
      this.links.set(r.path, link);
      nav.append(link);
    }
    return h('aside', { class: 'sidebar' },
      h('a', { class: 'brand', href: '#/home', 'aria-label': 'Manifold home' },
        h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'M'),
        h('span', { class: 'brand-text' }, h('span', { class: 'brand-name' }, 'Manifold'), h('span', { class: 'brand-sub' }, 'Operations console'))),
      h('div', { class: 'scope', testid: 'sidebar-scope' },
        h('span', { class: 'scope-label' }, tenant ? 'Tenant' : 'Scope'),
        h('span', { class: 'scope-name' }, tenant ? tenant.name : 'Platform'),
        tenant ? h('span', { class: 'scope-sub' }, tenant.slug) : h('span', { class: 'scope-sub' }, 'all tenants')),
      nav,
      h('div', { class: 'sidebar-foot' },
        h('a', { href: '/api/v1/openapi.json', class: 'nav-link nav-link-quiet', target: '_blank', rel: 'noopener' }, icon('book'), h('span', null, 'API reference'))));
  }

  topbar() {
    const { user, tenant, role } = this.session;
    return h('header', { class: 'topbar', testid: 'header' },
      h('div', { class: 'topbar-context' },
        h('span', { class: 'topbar-label' }, tenant ? 'Tenant' : 'Platform'),
        h('span', { class: 'topbar-tenant', testid: 'header-tenant' }, tenant ? tenant.name : 'Platform operations')),
      h('div', { class: 'topbar-user' },
        h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(user.name, user.email)),
        h('div', { class: 'user-text' },
          h('span', { class: 'user-name', testid: 'header-user-name' }, user.name || user.email),
          h('span', { class: 'user-email', testid: 'header-user-email' }, user.email)),
        h('span', { class: 'badge badge-info role-badge', testid: 'header-role', title: 'Your role' }, roleLabel(role)),
        h('span', { class: 'topbar-divider', 'aria-hidden': 'true' }),
        this.signOutButton));
  }

  /** Shows or hides the "sign in again" banner, as this tab's CSRF token comes and goes. */
  refreshBanner() {
    if (this.session.canWrite) {
      replace(this.banner);
      return;
    }
    replace(this.banner, callout({
      tone: 'warn',
      testid: 'reauth-banner',
      title: 'Read-only in this tab',
      text: 'This tab was opened after you signed in elsewhere, so it can show data but cannot make changes or sign out until you sign in again here.',
      actions: button({ label: 'Sign in again', kind: 'secondary', size: 'sm', testid: 'reauth', onClick: this.onReauth }),
    }));
  }

  /** Marks the current page in the navigation. */
  setActive(path) {
    for (const [p, link] of this.links) {
      const active = p === path;
      link.classList.toggle('active', active);
      if (active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  setContent(el) {
    replace(this.content, el);
    this.content.scrollTop = 0;
    this.refreshBanner();
  }
}

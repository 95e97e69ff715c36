// The console's entry point: restores the session and routes on the URL hash
// (#/login, #/home, #/users, #/tokens, #/jobs, #/tenants).

import { createClient, ApiError } from './api.js';
import { Session } from './session.js';
import { Shell } from './shell.js';
import { h, replace } from './dom.js';
import { Toaster, button, callout, emptyState, loading } from './ui.js';
import * as loginPage from './pages/login.js';
import * as homePage from './pages/home.js';
import * as usersPage from './pages/users.js';
import * as tokensPage from './pages/tokens.js';
import * as jobsPage from './pages/jobs.js';
import * as tenantsPage from './pages/tenants.js';

/** Every signed-in page, in navigation order, with the permission it needs. */
const ROUTES = [
  { path: 'home', title: 'Overview', iconName: 'home', page: homePage },
  { path: 'users', title: 'Users', iconName: 'users', section: 'Workspace', permission: 'users:read', page: usersPage },
  { path: 'tokens', title: 'API tokens', iconName: 'key', section: 'Workspace', permission: 'tokens:read', page: tokensPage },
  { path: 'jobs', title: 'Jobs', iconName: 'activity', section: 'Platform', permission: 'platform.jobs:read', page: jobsPage },
  { path: 'tenants', title: 'Tenants', iconName: 'building', section: 'Platform', permission: 'platform.tenants:read', page: tenantsPage },
];

class App {
  constructor(root) {
    this.root = root;
    this.api = createClient({ onUnauthorized: () => this.sessionEnded() });
    this.session = new Session(this.api);
    this.toaster = new Toaster(document.body);
    this.shell = null;
    this.view = null;
    this.loginNotice = null;
    this.afterLogin = '';
    this.listening = false;
  }

  async start() {
    try {
      await this.session.restore();
    } catch (err) {
      this.showBootError(err);
      return;
    }
    if (!this.listening) {
      window.addEventListener('hashchange', () => this.route());
      this.listening = true;
    }
    this.route();
  }

  currentPath() {
    return location.hash.replace(/^#\/?/, '').split(/[?/]/)[0];
  }

  /** Goes to a page; re-renders when it is the current one. */
  navigate(path) {
    if (this.currentPath() === path) this.route();
    else location.hash = `#/${path}`;
  }

  /** Changes the URL without a history entry and routes. */
  redirect(path) {
    history.replaceState(null, '', `#/${path}`);
    this.route();
  }

  allowed() {
    return ROUTES.filter((r) => !r.permission || this.session.can(r.permission));
  }

  route() {
    const path = this.currentPath();
    this.closeView();
    if (path === 'login') {
      this.showLogin();
      return;
    }
    if (!this.session.signedIn) {
      if (path) this.afterLogin = path;
      this.redirect('login');
      return;
    }
    if (!path) {
      this.redirect('home');
      return;
    }
    this.showPage(path);
  }

  closeView() {
    if (this.view && this.view.dispose) this.view.dispose();
    this.view = null;
  }

  showLogin() {
    if (this.session.signedIn && this.session.canWrite) {
      this.redirect('home');
      return;
    }
    this.shell = null;
    document.title = 'Sign in · Manifold';
    const notice = this.loginNotice;
    this.loginNotice = null;
    this.view = loginPage.render({
      session: this.session,
      notice,
      email: this.session.user ? this.session.user.email : '',
      onSignedIn: () => {
        const next = this.afterLogin;
        this.afterLogin = '';
        this.redirect(next && next !== 'login' ? next : 'home');
      },
    });
    replace(this.root, this.view.el);
    this.view.focus?.();
  }

  showPage(path) {
    const routes = this.allowed();
    if (!this.shell) {
      this.shell = new Shell({
        session: this.session,
        routes,
        onSignOut: () => this.signOut(),
        onReauth: () => this.reauth('Sign in again to make changes in this tab.'),
      });
      replace(this.root, this.shell.el);
    }
    this.shell.setActive(path);
    const route = routes.find((r) => r.path === path);
    if (!route) {
      document.title = 'Not found · Manifold';
      this.shell.setContent(emptyState({
        iconName: 'alert',
        testid: 'page-not-found',
        title: 'This page does not exist or your role cannot open it.',
        text: 'Use the navigation on the left to find your way.',
      }));
      return;
    }
    document.title = `${route.title} · Manifold`;
    this.view = route.page.render({
      api: this.api,
      session: this.session,
      toast: (message, tone) => this.toaster.show(message, tone),
      navigate: (p) => this.navigate(p),
      reauth: (message) => this.reauth(message),
    });
    this.shell.setContent(this.view.el);
  }

  /** Sends the user to the sign-in page to get a CSRF token for this tab. */
  reauth(message) {
    this.loginNotice = { tone: 'warn', text: message };
    this.afterLogin = this.currentPath();
    this.navigate('login');
  }

  async signOut() {
    if (!this.session.canWrite) {
      this.reauth('Sign in again, then sign out, to end the session in this browser.');
      return;
    }
    const btn = this.shell && this.shell.signOutButton;
    if (btn) btn.disabled = true;
    try {
      await this.session.signOut();
    } catch (err) {
      if (btn) btn.disabled = false;
      this.toaster.show(err.message, 'danger');
      return;
    }
    this.loginNotice = { tone: 'ok', text: 'You have signed out.' };
    this.afterLogin = '';
    this.navigate('login');
  }

  /** A signed-in call answered 401: the session expired or was ended elsewhere. */
  sessionEnded() {
    if (!this.session.signedIn) return;
    this.session.forget();
    this.loginNotice = { tone: 'warn', text: 'Your session has ended. Sign in again to continue.' };
    this.afterLogin = this.currentPath();
    this.closeView();
    this.redirect('login');
  }

  showBootError(err) {
    const message = err instanceof ApiError ? err.message : 'The console could not start.';
    replace(this.root, h('div', { class: 'auth' },
      h('div', { class: 'auth-card' },
        callout({ tone: 'danger', testid: 'boot-error', title: 'Manifold is not reachable', text: message }),
        h('div', { class: 'auth-actions' },
          button({ label: 'Try again', iconName: 'refresh', kind: 'primary', onClick: () => {
            replace(this.root, loading('Connecting…'));
            this.start();
          } })))));
  }
}

new App(document.getElementById('app')).start();

// Who is signed in to this tab, and what they may do.

import { ApiError, hasCsrfToken, setCsrfToken } from './api.js';

/** The console session: the caller's identity as GET /api/v1/me describes it. */
export class Session {
  constructor(api) {
    this.api = api;
    this.me = null;
  }

  /** Asks the server who holds the session cookie; false when nobody does. */
  async restore() {
    try {
      this.me = await this.api.me({ anonymous: true });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.forget();
        return false;
      }
      throw err;
    }
  }

  async signIn(email, password) {
    const res = await this.api.login(email, password);
    setCsrfToken(res.csrf_token);
    this.me = res.me;
    return res.me;
  }

  /** Ends the session on the server, then forgets it here. */
  async signOut() {
    try {
      await this.api.logout();
    } catch (err) {
      // 401: the server had already ended it, which is what we want.
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    this.forget();
  }

  forget() {
    this.me = null;
    setCsrfToken('');
  }

  get signedIn() {
    return this.me !== null;
  }

  /** Whether this tab may make changes (it holds the session's CSRF token). */
  get canWrite() {
    return hasCsrfToken();
  }

  get user() {
    return this.me ? this.me.user : null;
  }

  get tenant() {
    return this.me ? this.me.tenant || null : null;
  }

  get role() {
    return this.me ? this.me.role : '';
  }

  get isOperator() {
    return this.signedIn && !this.tenant;
  }

  /** Whether the caller holds a permission such as "tokens:write". */
  can(permission) {
    return Boolean(this.me && (this.me.permissions || []).includes(permission));
  }
}

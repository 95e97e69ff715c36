// The JSON API client of the console. Every call sends the session cookie;
// unsafe calls also send the CSRF token the login answered with. Failures
// become an ApiError carrying the server's message, ready to show a person.

const BASE = '/api/v1';
const CSRF_KEY = 'manifold.csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** An API failure: the HTTP status, the error code and the server's message. */
export class ApiError extends Error {
  constructor(status, code, message, requestId = '') {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

/** The code of the error thrown when this tab has no CSRF token for a change. */
export const REAUTH_REQUIRED = 'reauth_required';

// The CSRF token lives in sessionStorage: it survives a reload of this tab,
// and a new tab starts without it (the HttpOnly cookie cannot give it back).
function readCsrf() {
  try {
    return sessionStorage.getItem(CSRF_KEY) || '';
  } catch {
    return '';
  }
}

function writeCsrf(token) {
  try {
    if (token) sessionStorage.setItem(CSRF_KEY, token);
    else sessionStorage.removeItem(CSRF_KEY);
  } catch {
    // Storage refused (private mode): changes will ask to sign in again.
  }
}

/** Whether this tab holds a CSRF token, so it may make changes. */
export function hasCsrfToken() {
  return readCsrf() !== '';
}

/** Remembers the CSRF token of a new session, or forgets it ('' or null). */
export function setCsrfToken(token) {
  writeCsrf(token || '');
}

async function readBody(res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function errorFrom(res, body) {
  const e = body && body.error;
  if (e && e.message) {
    if (res.status === 403 && /X-CSRF-Token/i.test(e.message)) {
      // The session was replaced (a sign-in elsewhere) or the token is gone.
      writeCsrf('');
      return new ApiError(res.status, REAUTH_REQUIRED,
        'This tab is no longer allowed to make changes. Sign in again to continue.', e.request_id);
    }
    return new ApiError(res.status, e.code || 'error', e.message, e.request_id);
  }
  const reason = res.statusText ? `${res.status} ${res.statusText}` : String(res.status);
  return new ApiError(res.status, 'http_' + res.status, `The server answered ${reason}. Try again in a moment.`);
}

/**
 * Creates an API client.
 * onUnauthorized runs when a signed-in call answers 401 (the session ended).
 */
export function createClient({ onUnauthorized = () => {} } = {}) {
  async function request(method, path, { body, anonymous = false } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (!SAFE_METHODS.has(method) && !anonymous) {
      const token = readCsrf();
      if (!token) {
        throw new ApiError(0, REAUTH_REQUIRED, 'Sign in again in this tab to make changes.');
      }
      headers['X-CSRF-Token'] = token;
    }
    let res;
    try {
      res = await fetch(BASE + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'network', 'Cannot reach the Manifold server. Check the connection and try again.');
    }
    const data = await readBody(res);
    if (!res.ok) {
      const err = errorFrom(res, data);
      if (res.status === 401 && !anonymous) onUnauthorized(err);
      throw err;
    }
    return data;
  }

  const seg = encodeURIComponent;
  return {
    /** Signs in; the answer is {me, csrf_token}. A 401 here is a wrong password, not an ended session. */
    login: (email, password) => request('POST', '/auth/login', { body: { email, password }, anonymous: true }),
    logout: () => request('POST', '/auth/logout'),
    /** The caller; with anonymous, a 401 only means "not signed in". */
    me: ({ anonymous = false } = {}) => request('GET', '/me', { anonymous }),

    listUsers: async () => (await request('GET', '/users')).users || [],

    listTokens: async () => (await request('GET', '/tokens')).tokens || [],
    createToken: (name, expiresAt) => request('POST', '/tokens', { body: { name, expires_at: expiresAt || undefined } }),
    revokeToken: (id) => request('DELETE', `/tokens/${seg(id)}`),

    jobOverview: () => request('GET', '/platform/jobs'),
    runJob: (queue, id) => request('POST', `/platform/jobs/${seg(queue)}/${seg(id)}/run`),

    listTenants: async () => (await request('GET', '/platform/tenants')).tenants || [],
    createTenant: (slug, name) => request('POST', '/platform/tenants', { body: { slug, name } }),
  };
}

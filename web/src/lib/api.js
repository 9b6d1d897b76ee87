// The admin API client of the panel (docs/api.md). The session is the HttpOnly cookie the
// login sets; state-changing requests carry the CSRF token in X-CSRF-Token. The token is
// kept in memory only: after a reload GET /api/v1/me hands it back.

/** An error answer of the API: HTTP status, the error code and its readable message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The API client; `on_unauthorized` runs when a request finds the session gone (401). */
export class Api {
  constructor(on_unauthorized = () => {}) {
    this.csrf_token = null;
    this.username = null;
    this.on_unauthorized = on_unauthorized;
  }

  /** Asks who is logged in; returns the user name or null. */
  async restore() {
    try {
      const me = await this.request('GET', '/api/v1/me', undefined, { quiet_401: true });
      this.csrf_token = me.csrf_token ?? null;
      this.username = me.username;
      return me.username;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return null;
      throw e;
    }
  }

  async login(username, password) {
    const r = await this.request('POST', '/api/v1/login', { username, password }, { quiet_401: true });
    this.csrf_token = r.csrf_token;
    this.username = r.username;
    return r;
  }

  async logout() {
    try {
      await this.request('POST', '/api/v1/logout', {});
    } finally {
      this.csrf_token = null;
      this.username = null;
    }
  }

  get(path) {
    return this.request('GET', path);
  }
  post(path, body = {}) {
    return this.request('POST', path, body);
  }
  patch(path, body) {
    return this.request('PATCH', path, body);
  }
  del(path) {
    return this.request('DELETE', path);
  }

  /** One request; resolves to the parsed JSON (null for 204), throws ApiError otherwise. */
  async request(method, path, body, { quiet_401 = false } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && method !== 'HEAD' && this.csrf_token) headers['X-CSRF-Token'] = this.csrf_token;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, 'network', `the server did not answer (${e.message}); is lectern-server running?`);
    }
    if (response.status === 204) return null;
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const err = data?.error;
      const error = new ApiError(response.status, err?.code ?? 'http', err?.message ?? `HTTP ${response.status}`);
      if (response.status === 401 && !quiet_401) this.on_unauthorized(error);
      throw error;
    }
    return data;
  }
}

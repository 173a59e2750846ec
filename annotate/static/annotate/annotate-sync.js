// Saving: API calls go out one at a time, in the order they were made.
// A network failure (or a server that is down or has logged us out) keeps the
// call at the head of the queue and retries it; only an answer from the server
// about the change itself (saved, refused, conflict) takes it off the queue.

function csrfToken() {
  const field = document.querySelector('input[name=csrfmiddlewaretoken]');
  if (field) return field.value;
  const cookie = document.cookie.split('; ').find((c) => c.startsWith('csrftoken='));
  return cookie ? decodeURIComponent(cookie.slice(10)) : '';
}

export async function call(method, url, body, etag) {
  const headers = { Accept: 'application/json', 'X-CSRFToken': csrfToken() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (etag) headers['If-Match'] = etag;
  const response = await fetch(url, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (response.headers.get('Content-Type') || '').includes('json');
  const data = json ? await response.json().catch(() => null) : null;
  return { status: response.status, ok: response.ok, data };
}

// A key for a create, so a retry of a create whose answer was lost returns the first tag instead of a second.
// crypto.randomUUID needs HTTPS or localhost; getRandomValues works on plain HTTP too.
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// 401: the session ended; the change waits until the user logs in again in another tab.
const RETRY = new Set([401, 408, 429, 502, 503, 504]);
const MAX_WAIT = 15000;

export class Queue {
  constructor(onChange) {
    this.ops = [];
    this.onChange = onChange;
    this.busy = false;
    this.timer = null;
    this.wait = 0;
    this.trouble = null;
  }

  get pending() {
    return this.ops.length;
  }

  push(op) {
    this.ops.push(op);
    this.onChange(this);
    this.pump();
  }

  retryNow() {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.pump();
  }

  async pump() {
    if (this.busy || this.timer) return;
    this.busy = true;
    this.onChange(this);
    while (this.ops.length) {
      const op = this.ops[0];
      if (op.skip && op.skip()) {
        this.ops.shift();
        continue;
      }
      let response = null;
      try {
        const { method, url, body, etag } = op.request();
        response = await call(method, url, body, etag);
      } catch {
        response = null;
      }
      if (!response || RETRY.has(response.status) || response.status >= 500) {
        this.trouble = !response ? 'no connection to the server'
          : response.status === 401 ? 'you are logged out: log in again in another tab'
            : `the server answered ${response.status}`;
        this.wait = Math.min(this.wait ? this.wait * 2 : 1000, MAX_WAIT);
        this.timer = setTimeout(() => { this.timer = null; this.pump(); }, this.wait);
        break;
      }
      this.wait = 0;
      this.trouble = null;
      this.ops.shift();
      try {
        (response.ok ? op.done : op.fail)(response);
      } catch (error) {
        console.error(error);
      }
    }
    this.busy = false;
    this.onChange(this);
  }
}

// The demo's events panel: shows the lifecycle events the service's
// in-process handler received for the signed-in demo user, as they arrive.
// It polls GET /demo/events with the same demo session token the rest of
// the page uses; events carry no token, only ids, status and a reason.

const SESSION_KEY = 'zoomConnect.demoSession';
const POLL_MS = 1500;

const card = /** @type {HTMLElement} */ (document.getElementById('events-card'));
const list = /** @type {HTMLOListElement} */ (document.getElementById('events-list'));
const empty = /** @type {HTMLElement} */ (document.getElementById('events-empty'));

let cursor = 0;
/** @type {string | null} */
let shownUser = null;

/** @returns {{ token: string, userId: string } | null} */
function readSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    return typeof session?.token === 'string' && typeof session?.userId === 'string' ? session : null;
  } catch {
    // A malformed entry is no session; app.js clears it.
    return null;
  }
}

/** @param {{ id: string, type: string, timestamp: string, data: Record<string, unknown> }} event */
function render(event) {
  const item = document.createElement('li');
  item.className = 'event-item';
  const title = document.createElement('strong');
  title.textContent = event.type;
  const when = document.createElement('time');
  when.dateTime = event.timestamp;
  when.textContent = new Date(event.timestamp).toLocaleTimeString();
  const detail = document.createElement('span');
  detail.className = 'muted';
  const parts = [`status ${String(event.data.status)}`, `reason ${String(event.data.reason)}`];
  if (typeof event.data.reconnect === 'boolean') parts.push(event.data.reconnect ? 'reconnect' : 'first connect');
  detail.textContent = parts.join(' · ');
  item.append(title, ' ', when, document.createElement('br'), detail);
  return item;
}

async function poll() {
  const session = readSession();
  if (!session) {
    card.hidden = true;
    shownUser = null;
    return;
  }
  if (session.userId !== shownUser) {
    shownUser = session.userId;
    cursor = 0;
    list.replaceChildren();
  }
  card.hidden = false;
  try {
    const res = await fetch(`/demo/events?after=${cursor}`, { headers: { authorization: `Bearer ${session.token}`, accept: 'application/json' } });
    if (!res.ok) return;
    const body = await res.json();
    if (session.userId !== shownUser) return;
    cursor = typeof body.cursor === 'number' ? body.cursor : cursor;
    for (const event of Array.isArray(body.events) ? body.events : []) list.prepend(render(event));
  } catch (err) {
    // The service restarting or the network blinking: the next poll tries again.
    console.debug('events poll failed', err);
  } finally {
    empty.hidden = list.childElementCount > 0;
  }
}

void poll();
setInterval(() => void poll(), POLL_MS);

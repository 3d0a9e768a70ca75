// Zoom Connect demo page. Plain ES module, no build step, no dependencies:
// it runs under a strict CSP (scripts from 'self' only, no inline handlers),
// so every listener is attached here and every piece of data goes into the
// DOM through textContent, never innerHTML.
//
// The page holds only the demo app's own session token (sessionStorage, so
// it dies with the tab). Zoom tokens never reach the browser.

const SESSION_KEY = 'zoomConnect.demoSession';
const MEETINGS_PAGE_SIZE = 10;
const RECORDINGS_PAGE_SIZE = 5;
/** What the demo sign-in accepts as an app user id. */
const DEMO_USER_ID = /^[A-Za-z0-9._@-]{1,64}$/;

/**
 * Friendly words for the `reason` the callback puts on `/?zoom=error&reason=…`.
 * A Map, not an object: the reason comes from the URL, and `constructor` or
 * `__proto__` must be a miss, never an inherited hit. Unknown reasons get a
 * fixed message; the URL's text is never shown.
 */
const CALLBACK_REASONS = new Map(Object.entries({
  zoom_denied: 'You declined access on Zoom, so nothing was connected. You can connect whenever you are ready.',
  state_expired: 'The connect link expired before you finished (links last 10 minutes). Click “Connect Zoom” to start again.',
  state_browser_mismatch: 'This connect flow was started in a different browser, or its cookie was cleared. Start again from this browser.',
  state_user_mismatch: 'This connect flow was started by a different app user. Sign in as that user, or start again.',
  invalid_state: 'That connect link is invalid or was already used. Click “Connect Zoom” to start a fresh one.',
  invalid_code: 'Zoom sent back an authorization that could not be used. Please try connecting again.',
  zoom_code_rejected: 'Zoom did not accept the authorization. Please try connecting again.',
  zoom_unavailable: 'Zoom could not be reached just now. Please try again in a moment.',
  zoom_rate_limited: 'Zoom is limiting requests right now. Wait a moment, then try again.',
  service_unavailable: 'The service is briefly unavailable. Please try again in a moment.',
}));
const CALLBACK_FAILED = 'Connecting Zoom did not work. Please try again.';

const STATUS_SUMMARY = {
  not_connected: 'Not connected yet. Connect a Zoom account to see its profile, meetings and recordings here.',
  active: 'Connected. Tokens are stored encrypted and refreshed automatically before they expire.',
  needs_reauth: 'Zoom no longer accepts this connection. Connect again to continue.',
  inactive: 'This connection stopped working after repeated refresh failures. Connect again, or try a manual refresh.',
  revoked: 'Disconnected. The grant was revoked and the tokens were wiped.',
  deauthorized: 'The app was removed from this Zoom account, so the connection ended. Connect again to continue.',
};

// ---------------------------------------------------------------- helpers

/** @param {string} id */
function $(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`demo page is missing #${id}`);
  return node;
}

/**
 * Builds an element; children are nodes or strings (strings become text).
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {...(Node|string|null|undefined|false)} children
 */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** Only http(s) links from the API become clickable (no javascript: URLs). */
function safeHref(value) {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value, window.location.href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}

function externalLink(href, text, className) {
  const safe = safeHref(href);
  if (!safe) return null;
  return el('a', { href: safe, target: '_blank', rel: 'noopener noreferrer', class: className ?? '' }, text);
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'short' });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

function parseDate(value) {
  if (typeof value !== 'string' || value === '') return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

function formatDateTime(value) {
  const d = parseDate(value);
  return d ? dateTimeFormat.format(d) : '—';
}

function formatRelative(value) {
  const d = parseDate(value);
  if (!d) return '';
  const minutes = Math.round((d.getTime() - Date.now()) / 60_000);
  if (Math.abs(minutes) < 60) return relativeFormat.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 48) return relativeFormat.format(hours, 'hour');
  return relativeFormat.format(Math.round(hours / 24), 'day');
}

function formatDuration(minutes) {
  if (typeof minutes !== 'number' || !Number.isFinite(minutes)) return '';
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

function formatBytes(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toLocaleString(undefined, { maximumFractionDigits: unit === 0 ? 0 : 1 })} ${units[unit]}`;
}

/** Zoom shows personal meeting IDs as 3-3-4 digit groups. */
function formatMeetingId(id) {
  const digits = String(id ?? '');
  if (!/^\d{9,11}$/.test(digits)) return digits;
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
}

function show(node, visible) {
  node.hidden = !visible;
}

function setBusy(button, busy, busyText) {
  if (busy) {
    button.dataset.label = button.textContent ?? '';
    if (busyText) button.textContent = busyText;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  } else {
    if (button.dataset.label !== undefined) button.textContent = button.dataset.label;
    delete button.dataset.label;
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// ---------------------------------------------------------------- session

/** Set when a stored session was found expired, so the page can say why it asks to sign in again. */
let sessionExpired = false;

function readSession() {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw);
    if (typeof session?.token !== 'string' || typeof session?.userId !== 'string') return null;
    const expires = parseDate(session.expiresAt);
    if (expires && expires.getTime() <= Date.now()) {
      sessionStorage.removeItem(SESSION_KEY);
      sessionExpired = true;
      return null;
    }
    return session;
  } catch {
    // A malformed or inaccessible entry is the same as no session.
    return null;
  }
}

function saveSession(session) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

// ---------------------------------------------------------------- API

class ApiError extends Error {
  /** @param {number} status @param {Record<string, unknown>} problem */
  constructor(status, problem) {
    super(typeof problem.detail === 'string' ? problem.detail : `Request failed (${status}).`);
    this.name = 'ApiError';
    this.status = status;
    this.code = typeof problem.code === 'string' ? problem.code : 'http_error';
    this.title = typeof problem.title === 'string' ? problem.title : '';
    this.fieldErrors = Array.isArray(problem.errors) ? problem.errors : [];
    this.retryAfter = typeof problem.retryAfter === 'number' ? problem.retryAfter : undefined;
  }
}

async function readProblem(response) {
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      const body = await response.json();
      if (body && typeof body === 'object') return body;
    } catch {
      // Not JSON after all; fall through to a generic problem.
    }
  }
  return { code: 'http_error', detail: `The server answered ${response.status} ${response.statusText}.`.trim() };
}

/**
 * Calls the service as the signed-in app user. Throws ApiError with the RFC
 * 9457 problem on failure; a 401 ends the demo session.
 */
async function api(method, path, body) {
  const session = readSession();
  const headers = { accept: 'application/json' };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // The authorize call sets the browser-binding cookie; the callback needs it back.
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { code: 'network_error', detail: 'Could not reach the Zoom Connect service. Is it still running?' });
  }
  if (response.status === 401) {
    const problem = await readProblem(response);
    endSession('Your demo session ended. Please sign in again.');
    throw new ApiError(401, { ...problem, code: 'unauthenticated' });
  }
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
  if (response.status === 204) return null;
  return response.json();
}

// ---------------------------------------------------------------- messages

function showBanner(text, tone) {
  $('banner-text').textContent = text;
  $('banner').dataset.tone = tone;
  show($('banner'), true);
}

function hideBanner() {
  show($('banner'), false);
}

function showError(text) {
  $('error-text').textContent = text;
  show($('error'), true);
}

function hideError() {
  show($('error'), false);
  $('error-text').textContent = '';
}

/** Shows what went wrong; a 401 has already sent the person back to sign in. */
function reportError(error, context) {
  if (error instanceof ApiError) {
    if (error.status === 401) return;
    const retry = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : '';
    showError(`${context}: ${error.message}${retry}`);
    return;
  }
  showError(`${context}: something went wrong in the page. Reload and try again.`);
}

/** `?zoom=connected` or `?zoom=error&reason=CODE` from the OAuth callback, then a clean URL. */
function consumeCallbackResult() {
  const url = new URL(window.location.href);
  const outcome = url.searchParams.get('zoom');
  if (!outcome) return;
  const reason = url.searchParams.get('reason') ?? '';
  if (outcome === 'connected') {
    showBanner('Zoom connected. Your Zoom account is linked and ready to use.', 'success');
  } else if (outcome === 'error') {
    const text = CALLBACK_REASONS.get(reason) ?? CALLBACK_FAILED;
    showBanner(text, reason === 'zoom_denied' ? 'info' : 'warning');
  }
  url.searchParams.delete('zoom');
  url.searchParams.delete('reason');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
}

// ---------------------------------------------------------------- sign-in

function renderSignedOut() {
  show($('session'), false);
  show($('app'), false);
  show($('sign-in-card'), true);
  $('signed-in-user').textContent = '';
}

function renderSignedIn(session) {
  $('signed-in-user').textContent = session.userId;
  show($('session'), true);
  show($('sign-in-card'), false);
  show($('app'), true);
}

function endSession(message) {
  clearSession();
  resetConnectedArea();
  renderSignedOut();
  if (message) showError(message);
  $('user-id').focus();
}

async function signIn(event) {
  event.preventDefault();
  hideError();
  const input = /** @type {HTMLInputElement} */ ($('user-id'));
  const userId = input.value.trim();
  const fieldError = $('user-id-error');
  if (!DEMO_USER_ID.test(userId)) {
    fieldError.textContent = userId
      ? 'Use up to 64 letters, digits, dots, dashes, underscores or @ — for example demo-user-1.'
      : 'Enter an app user ID, for example demo-user-1.';
    show(fieldError, true);
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  show(fieldError, false);
  input.removeAttribute('aria-invalid');
  const button = /** @type {HTMLButtonElement} */ ($('sign-in'));
  setBusy(button, true, 'Signing in…');
  try {
    clearSession();
    const session = await api('POST', '/demo/session', { userId });
    if (typeof session?.token !== 'string') throw new ApiError(500, { detail: 'The sign-in answer had no session token.' });
    saveSession({ token: session.token, userId: session.userId ?? userId, expiresAt: session.expiresAt ?? null });
    renderSignedIn(readSession());
    await loadStatus();
  } catch (error) {
    const fieldMessages = error instanceof ApiError ? error.fieldErrors.filter((e) => e && typeof e.message === 'string') : [];
    if (fieldMessages.length > 0) {
      fieldError.textContent = fieldMessages.map((e) => friendlyFieldMessage(e.message)).join(' ');
      show(fieldError, true);
      input.setAttribute('aria-invalid', 'true');
    }
    reportError(error, 'Sign-in failed');
  } finally {
    setBusy(button, false);
  }
}

function signOut() {
  hideError();
  hideBanner();
  endSession(null);
}

// ---------------------------------------------------------------- connection

function renderStatus(status) {
  const code = typeof status?.status === 'string' ? status.status : 'not_connected';
  const pill = $('connection-status');
  // The pill shows the API's own status word, so what you see is what integrators branch on.
  pill.textContent = code;
  pill.dataset.status = code;
  $('connection-summary').textContent = STATUS_SUMMARY[code] ?? '';

  const hasDetails = code !== 'not_connected';
  show($('connection-details'), hasDetails);
  if (hasDetails) {
    $('detail-email').textContent = status.zoomEmail ?? '—';
    $('detail-account').textContent = status.zoomAccountId ?? '—';
    $('detail-authorized').textContent = formatDateTime(status.authorizedAt);
    const expires = parseDate(status.accessTokenExpiresAt);
    $('detail-expires').textContent = expires ? `${formatDateTime(status.accessTokenExpiresAt)} (${formatRelative(status.accessTokenExpiresAt)})` : '—';
    $('detail-refreshed').textContent = formatDateTime(status.lastRefreshedAt);
    $('detail-used').textContent = formatDateTime(status.lastUsedAt);
    // A disconnected connection has no tokens left: its token timestamps would only mislead.
    const ended = code === 'revoked' || code === 'deauthorized';
    for (const row of document.querySelectorAll('#connection-details .token-detail')) show(/** @type {HTMLElement} */ (row), !ended);
    show($('detail-revoked-row'), ended);
    $('detail-revoked').textContent = formatDateTime(status.revokedAt);
    const scopes = $('detail-scopes');
    scopes.replaceChildren();
    const granted = Array.isArray(status.grantedScopes) ? status.grantedScopes : [];
    if (granted.length === 0) scopes.textContent = '—';
    for (const scope of granted) scopes.append(el('code', { class: 'scope' }, String(scope)));
    const failing = (status.refreshFailureCount ?? 0) > 0 || status.lastRefreshError;
    show($('detail-failure-row'), Boolean(failing));
    if (failing) {
      const count = status.refreshFailureCount ?? 0;
      $('detail-failure').textContent = `${status.lastRefreshError ?? 'refresh failed'}${count ? ` (${count} in a row)` : ''}`;
    }
  }

  const connectButton = $('connect');
  connectButton.textContent = code === 'needs_reauth' || code === 'inactive' ? 'Reconnect Zoom' : 'Connect Zoom';
  show(connectButton, code !== 'active');
  show($('refresh'), code === 'active' || code === 'inactive');
  show($('disconnect'), code === 'active' || code === 'needs_reauth' || code === 'inactive');
  show($('connected-area'), code === 'active');
}

async function loadStatus() {
  const card = $('connection-card');
  card.setAttribute('aria-busy', 'true');
  try {
    const status = await api('GET', '/api/zoom/oauth/user/status');
    renderStatus(status);
    if (status?.status === 'active') await loadConnectedData();
    else resetConnectedArea();
  } catch (error) {
    reportError(error, 'Could not load the Zoom connection');
  } finally {
    card.setAttribute('aria-busy', 'false');
  }
}

async function connectZoom() {
  hideError();
  hideBanner();
  const button = /** @type {HTMLButtonElement} */ ($('connect'));
  setBusy(button, true, 'Opening Zoom…');
  try {
    const { authorizationUrl } = await api('GET', '/api/zoom/oauth/user/authorize');
    const target = safeHref(authorizationUrl);
    if (!target) throw new ApiError(500, { detail: 'The service returned an unusable authorization URL.' });
    window.location.assign(target);
  } catch (error) {
    setBusy(button, false);
    reportError(error, 'Could not start connecting Zoom');
  }
}

async function refreshToken() {
  hideError();
  const button = /** @type {HTMLButtonElement} */ ($('refresh'));
  setBusy(button, true, 'Refreshing…');
  try {
    const status = await api('POST', '/api/zoom/oauth/user/refresh');
    renderStatus(status);
    showBanner('Access token refreshed. The new token is stored encrypted; the page never sees it.', 'success');
  } catch (error) {
    reportError(error, 'Refresh failed');
    await loadStatus();
  } finally {
    setBusy(button, false);
  }
}

async function disconnect() {
  hideError();
  const button = /** @type {HTMLButtonElement} */ ($('disconnect'));
  setBusy(button, true, 'Disconnecting…');
  try {
    const result = await api('POST', '/api/zoom/oauth/user/revoke');
    renderStatus(result);
    resetConnectedArea();
    showBanner(
      result?.revokedAtZoom === false
        ? 'Disconnected. Tokens were wiped here; Zoom could not be reached to confirm the revocation.'
        : 'Disconnected. Zoom revoked the grant and the tokens were wiped.',
      'info',
    );
  } catch (error) {
    reportError(error, 'Disconnect failed');
  } finally {
    setBusy(button, false);
  }
}

// ---------------------------------------------------------------- Zoom data

function resetConnectedArea() {
  show($('connected-area'), false);
  $('profile').replaceChildren();
  $('meetings').replaceChildren();
  $('recordings').replaceChildren();
  $('meetings-count').textContent = '';
  $('recordings-range').textContent = '';
  show($('meetings-empty'), false);
  show($('recordings-empty'), false);
  show($('more-meetings'), false);
  show($('more-recordings'), false);
  recordingsNextPage = '';
  show($('created-meeting'), false);
  $('created-meeting').replaceChildren();
  meetingsNextPage = '';
}

async function loadConnectedData() {
  show($('connected-area'), true);
  await Promise.all([loadProfile(), loadMeetings(false), loadRecordings()]);
}

function initials(name) {
  const parts = String(name ?? '').trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0][0], parts[parts.length - 1][0]] : [parts[0]?.[0] ?? '?'];
  return letters.join('').toUpperCase();
}

const USER_TYPES = { 1: 'Basic', 2: 'Licensed', 3: 'On-prem', 4: 'No feature', 99: 'None' };

async function loadProfile() {
  const container = $('profile');
  container.replaceChildren(el('p', { class: 'muted' }, 'Loading profile…'));
  try {
    const user = await api('GET', '/api/zoom/oauth/user/profile');
    const name = user.display_name || [user.first_name, user.last_name].filter(Boolean).join(' ') || user.email || 'Zoom user';
    const facts = [
      ['Email', user.email],
      ['License', USER_TYPES[user.type] ?? (user.type === undefined ? undefined : `Type ${user.type}`)],
      ['Time zone', user.timezone],
      ['Account ID', user.account_id],
      ['Personal meeting ID', user.pmi ? formatMeetingId(user.pmi) : undefined],
      ['Status', user.status],
    ].filter(([, value]) => value !== undefined && value !== null && value !== '');
    const pmiLink = externalLink(user.personal_meeting_url, 'Open personal meeting room', 'btn btn-secondary btn-small');
    container.replaceChildren(
      el(
        'div',
        { class: 'profile-head' },
        el('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(name)),
        el('div', {}, el('p', { class: 'profile-name' }, name), el('p', { class: 'muted' }, user.email ?? '')),
      ),
      el('dl', { class: 'details' }, ...facts.map(([label, value]) => el('div', {}, el('dt', {}, label), el('dd', {}, String(value))))),
      pmiLink ? el('div', { class: 'actions' }, pmiLink) : null,
    );
  } catch (error) {
    container.replaceChildren(el('p', { class: 'empty' }, 'The profile could not be loaded.'));
    reportError(error, 'Could not load the Zoom profile');
  }
}

let meetingsNextPage = '';

/** List items carry no status in Zoom's list answer: a meeting is live if now falls inside its slot. */
function isLive(meeting, start) {
  if (meeting.status === 'started') return true;
  if (!start || typeof meeting.duration !== 'number') return false;
  const now = Date.now();
  return start.getTime() <= now && now < start.getTime() + meeting.duration * 60_000;
}

function meetingItem(meeting) {
  const start = parseDate(meeting.start_time);
  const item = el('li', { class: 'meeting', 'data-meeting-id': String(meeting.id ?? '') });
  const dateBlock = start
    ? el(
        'div',
        { class: 'date-block', 'aria-hidden': 'true' },
        el('span', { class: 'date-month' }, monthFormat.format(start)),
        el('span', { class: 'date-day' }, String(start.getDate())),
        el('span', { class: 'date-weekday' }, weekdayFormat.format(start)),
      )
    : el('div', { class: 'date-block date-block-empty', 'aria-hidden': 'true' }, el('span', { class: 'date-day' }, '∞'));
  let when;
  if (start) {
    const end = typeof meeting.duration === 'number' ? new Date(start.getTime() + meeting.duration * 60_000) : null;
    when = `${dateTimeFormat.format(start)}${end ? ` – ${timeFormat.format(end)}` : ''}`;
  } else {
    when = 'Recurring, no fixed time';
  }
  const meta = [formatDuration(meeting.duration), meeting.timezone, meeting.id ? `ID ${formatMeetingId(meeting.id)}` : ''].filter(Boolean).join(' · ');
  const join = externalLink(meeting.join_url, 'Join', 'btn btn-primary btn-small join');
  if (join) join.setAttribute('aria-label', `Join ${meeting.topic ?? 'meeting'}`);
  item.append(
    dateBlock,
    el(
      'div',
      { class: 'item-body' },
      el('p', { class: 'item-title' }, meeting.topic || 'Untitled meeting', isLive(meeting, start) ? el('span', { class: 'live' }, 'Live') : null),
      el('p', { class: 'item-when' }, start ? el('time', { datetime: start.toISOString() }, when) : when),
      el('p', { class: 'item-meta' }, meta),
    ),
    join ? el('div', { class: 'item-actions' }, join) : null,
  );
  return item;
}

async function loadMeetings(append) {
  const list = $('meetings');
  const more = /** @type {HTMLButtonElement} */ ($('more-meetings'));
  list.setAttribute('aria-busy', 'true');
  const params = new URLSearchParams({ type: 'upcoming', page_size: String(MEETINGS_PAGE_SIZE) });
  if (append && meetingsNextPage) params.set('next_page_token', meetingsNextPage);
  if (append) setBusy(more, true, 'Loading…');
  else list.replaceChildren(el('li', { class: 'loading' }, 'Loading meetings…'));
  try {
    const page = await api('GET', `/api/zoom/oauth/user/meetings?${params}`);
    const meetings = Array.isArray(page?.meetings) ? page.meetings : [];
    if (!append) list.replaceChildren();
    for (const meeting of meetings) list.append(meetingItem(meeting));
    meetingsNextPage = typeof page?.next_page_token === 'string' ? page.next_page_token : '';
    const total = typeof page?.total_records === 'number' ? page.total_records : list.children.length;
    $('meetings-count').textContent = total ? `${list.children.length} of ${total}` : '';
    show($('meetings-empty'), list.children.length === 0);
    show(more, meetingsNextPage !== '');
  } catch (error) {
    // Say so in the card itself: a blank list would read as "no meetings".
    if (!append) {
      const retry = error instanceof ApiError && error.retryAfter ? ` Try again in ${error.retryAfter} s.` : ' Try again shortly.';
      list.replaceChildren(el('li', { class: 'load-error', role: 'alert' }, `Meetings could not be loaded: ${error instanceof ApiError ? error.message : 'something went wrong'}.${retry}`));
      $('meetings-count').textContent = '';
      show($('meetings-empty'), false);
      show(more, false);
    }
    reportError(error, 'Could not load meetings');
  } finally {
    if (append) setBusy(more, false);
    list.setAttribute('aria-busy', 'false');
  }
}

function recordingItem(recording) {
  const start = parseDate(recording.start_time);
  const files = Array.isArray(recording.recording_files) ? recording.recording_files : [];
  const kinds = [...new Set(files.map((f) => f?.file_type).filter((t) => typeof t === 'string'))];
  const count = typeof recording.recording_count === 'number' ? recording.recording_count : files.length;
  const meta = [formatDuration(recording.duration), `${count} file${count === 1 ? '' : 's'}`, formatBytes(recording.total_size)].filter(Boolean).join(' · ');
  const share = externalLink(recording.share_url, 'Open', 'btn btn-secondary btn-small');
  if (share) share.setAttribute('aria-label', `Open recording of ${recording.topic ?? 'meeting'}`);
  return el(
    'li',
    { class: 'recording' },
    el('div', { class: 'rec-icon', 'aria-hidden': 'true' }, '●'),
    el(
      'div',
      { class: 'item-body' },
      el('p', { class: 'item-title' }, recording.topic || 'Untitled recording'),
      el('p', { class: 'item-when' }, start ? el('time', { datetime: start.toISOString() }, dateTimeFormat.format(start)) : '—'),
      el('p', { class: 'item-meta' }, meta),
      kinds.length ? el('p', { class: 'chips' }, ...kinds.map((k) => el('span', { class: 'chip' }, k))) : null,
    ),
    share ? el('div', { class: 'item-actions' }, share) : null,
  );
}

let recordingsNextPage = '';
let recordingsQuery = '';

async function loadMoreRecordings() {
  const list = $('recordings');
  const more = /** @type {HTMLButtonElement} */ ($('more-recordings'));
  const params = new URLSearchParams(recordingsQuery);
  params.set('next_page_token', recordingsNextPage);
  setBusy(more, true, 'Loading…');
  list.setAttribute('aria-busy', 'true');
  try {
    const page = await api('GET', `/api/zoom/oauth/user/recordings?${params}`);
    const recordings = Array.isArray(page?.meetings) ? page.meetings : [];
    list.append(...recordings.map(recordingItem));
    recordingsNextPage = typeof page?.next_page_token === 'string' ? page.next_page_token : '';
    show(more, recordingsNextPage !== '');
  } catch (error) {
    reportError(error, 'Could not load more recordings');
  } finally {
    setBusy(more, false);
    list.setAttribute('aria-busy', 'false');
  }
}

async function loadRecordings() {
  const list = $('recordings');
  show($('more-recordings'), false);
  recordingsNextPage = '';
  const from = /** @type {HTMLInputElement} */ ($('recordings-from')).value;
  const to = /** @type {HTMLInputElement} */ ($('recordings-to')).value;
  clearFieldErrors(['recordings-from', 'recordings-to']);
  if ((from && !to) || (!from && to)) {
    setFieldError(from ? 'recordings-to' : 'recordings-from', 'Pick both dates, or leave both empty.');
    return;
  }
  const params = new URLSearchParams({ page_size: String(RECORDINGS_PAGE_SIZE) });
  if (from) params.set('from', from);
  if (to) params.set('to', to);
  recordingsQuery = params.toString();
  list.setAttribute('aria-busy', 'true');
  list.replaceChildren(el('li', { class: 'loading' }, 'Loading recordings…'));
  try {
    const page = await api('GET', `/api/zoom/oauth/user/recordings?${params}`);
    const recordings = Array.isArray(page?.meetings) ? page.meetings : [];
    list.replaceChildren(...recordings.map(recordingItem));
    recordingsNextPage = typeof page?.next_page_token === 'string' ? page.next_page_token : '';
    show($('more-recordings'), recordingsNextPage !== '');
    const rangeFrom = typeof page?.from === 'string' ? page.from : from;
    const rangeTo = typeof page?.to === 'string' ? page.to : to;
    const total = typeof page?.total_records === 'number' ? page.total_records : recordings.length;
    const range = rangeFrom && rangeTo ? `${rangeFrom} → ${rangeTo}` : '';
    $('recordings-range').textContent = [range, total ? `${total} recording${total === 1 ? '' : 's'}` : ''].filter(Boolean).join(' · ');
    show($('recordings-empty'), recordings.length === 0);
  } catch (error) {
    list.replaceChildren();
    if (error instanceof ApiError && applyFieldErrors(error.fieldErrors, { from: 'recordings-from', to: 'recordings-to' })) return;
    reportError(error, 'Could not load recordings');
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
}

// ---------------------------------------------------------------- forms

function setFieldError(inputId, message) {
  const input = $(inputId);
  const slot = $(`${inputId}-error`);
  slot.textContent = message;
  show(slot, true);
  input.setAttribute('aria-invalid', 'true');
}

function clearFieldErrors(inputIds) {
  for (const id of inputIds) {
    const slot = $(`${id}-error`);
    slot.textContent = '';
    show(slot, false);
    $(id).removeAttribute('aria-invalid');
  }
}

/** Schema validators speak in patterns and types; people read these instead. */
function friendlyFieldMessage(message) {
  /** @type {Array<[RegExp, string]>} */
  const rules = [
    [/^must match pattern/, 'Contains characters that are not allowed here.'],
    [/^must match format "date-time"/, 'Not a valid date and time.'],
    [/^must match format "date"/, 'Not a valid date.'],
    [/^must be integer/, 'Enter a whole number.'],
    [/^must be (string|number)/, 'Not a valid value.'],
    [/^must be >= (\d+)/, 'Must be at least $1.'],
    [/^must be <= (\d+)/, 'Must be at most $1.'],
    [/^must NOT have fewer than 1 characters?/, 'This field is required.'],
    [/^must NOT have more than (\d+) characters/, 'Use at most $1 characters.'],
    [/^must have required property/, 'This field is required.'],
  ];
  for (const [pattern, replacement] of rules) {
    if (pattern.test(message)) return message.replace(new RegExp(`${pattern.source}.*$`), replacement);
  }
  return message || 'Invalid value.';
}

/**
 * Puts a problem's `errors[]` next to the matching inputs. Field names may
 * come as `topic`, `/topic` or `body.topic`; the last segment decides.
 * Returns true when every error found a home.
 */
function applyFieldErrors(errors, fieldToInput) {
  if (!errors.length) return false;
  let placed = 0;
  let first = null;
  for (const error of errors) {
    const field = String(error?.field ?? '').split(/[./]/).filter(Boolean).pop() ?? '';
    const inputId = fieldToInput[field];
    if (!inputId) continue;
    setFieldError(inputId, friendlyFieldMessage(String(error.message ?? '')));
    placed += 1;
    first ??= inputId;
  }
  if (first) $(first).focus();
  return placed === errors.length;
}

const MEETING_FIELDS = {
  topic: 'meeting-topic',
  start_time: 'meeting-start',
  duration: 'meeting-duration',
  timezone: 'meeting-timezone',
  agenda: 'meeting-agenda',
};

function localDateTimeValue(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function localDateValue(date) {
  return localDateTimeValue(date).slice(0, 10);
}

/**
 * Zoom's own default is yesterday to today, usually empty; the last month
 * (Zoom's widest allowed range) shows what the account actually has.
 */
function prefillRecordingsRange() {
  const to = new Date();
  const from = new Date(to);
  from.setMonth(from.getMonth() - 1);
  // setMonth overflows (31 March − 1 month = 3 March): that only shortens the range.
  /** @type {HTMLInputElement} */ ($('recordings-from')).value = localDateValue(from);
  /** @type {HTMLInputElement} */ ($('recordings-to')).value = localDateValue(to);
}

function prefillMeetingForm() {
  const start = new Date();
  start.setHours(start.getHours() + 1, 0, 0, 0);
  /** @type {HTMLInputElement} */ ($('meeting-start')).value = localDateTimeValue(start);
  const tz = /** @type {HTMLInputElement} */ ($('meeting-timezone'));
  if (!tz.value) tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

function isKnownTimeZone(name) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return /^[A-Za-z0-9_+/-]+$/.test(name);
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/** Suggestions for the time zone field, where the browser can list them. */
function fillTimeZoneList() {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  $('timezones').replaceChildren(...zones.map((zone) => el('option', { value: zone })));
}

async function createMeeting(event) {
  event.preventDefault();
  hideError();
  clearFieldErrors(Object.values(MEETING_FIELDS));
  const topic = /** @type {HTMLInputElement} */ ($('meeting-topic')).value.trim();
  const startValue = /** @type {HTMLInputElement} */ ($('meeting-start')).value;
  const durationValue = /** @type {HTMLInputElement} */ ($('meeting-duration')).value.trim();
  const timezone = /** @type {HTMLInputElement} */ ($('meeting-timezone')).value.trim();
  const agenda = /** @type {HTMLTextAreaElement} */ ($('meeting-agenda')).value.trim();

  // The same rules the API enforces, so most mistakes are caught without a round trip.
  const problems = [];
  if (!topic) problems.push(['meeting-topic', 'Give the meeting a topic.']);
  // datetime-local has no zone: the browser reads it as local time, and we send UTC ("…Z").
  const start = startValue ? new Date(startValue) : null;
  if (!start || Number.isNaN(start.getTime())) problems.push(['meeting-start', 'Pick a start date and time.']);
  const duration = Number(durationValue);
  if (!/^\d+$/.test(durationValue) || duration < 1 || duration > 1440) problems.push(['meeting-duration', 'Enter whole minutes between 1 and 1440.']);
  if (timezone && !isKnownTimeZone(timezone)) problems.push(['meeting-timezone', 'Unknown time zone. Use a name such as America/New_York or Europe/Berlin.']);
  if (problems.length) {
    for (const [id, message] of problems) setFieldError(id, message);
    $(problems[0][0]).focus();
    return;
  }

  const body = { topic, start_time: start.toISOString().replace(/\.\d{3}Z$/, 'Z'), duration };
  if (timezone) body.timezone = timezone;
  if (agenda) body.agenda = agenda;

  const button = /** @type {HTMLButtonElement} */ ($('create-meeting'));
  setBusy(button, true, 'Creating…');
  try {
    const meeting = await api('POST', '/api/zoom/oauth/user/meetings', body);
    renderCreatedMeeting(meeting);
    /** @type {HTMLFormElement} */ ($('create-meeting-form')).reset();
    prefillMeetingForm();
    await loadMeetings(false);
  } catch (error) {
    if (error instanceof ApiError && applyFieldErrors(error.fieldErrors, MEETING_FIELDS)) return;
    reportError(error, 'Could not create the meeting');
  } finally {
    setBusy(button, false);
  }
}

function renderCreatedMeeting(meeting) {
  const box = $('created-meeting');
  const join = externalLink(meeting?.join_url, meeting?.join_url ?? '', 'join-url');
  box.replaceChildren(
    el('p', { class: 'created-title' }, '✓ Meeting created: ', el('strong', {}, meeting?.topic ?? 'Untitled meeting')),
    el(
      'dl',
      { class: 'details' },
      el('div', {}, el('dt', {}, 'Starts'), el('dd', {}, formatDateTime(meeting?.start_time))),
      el('div', {}, el('dt', {}, 'Duration'), el('dd', {}, formatDuration(meeting?.duration) || '—')),
      el('div', {}, el('dt', {}, 'Meeting ID'), el('dd', {}, formatMeetingId(meeting?.id) || '—')),
      el('div', { class: 'wide' }, el('dt', {}, 'Join link'), el('dd', {}, join ?? '—')),
    ),
  );
  show(box, true);
}

// ---------------------------------------------------------------- start

function wire() {
  $('sign-in-form').addEventListener('submit', (event) => void signIn(event));
  $('sign-out').addEventListener('click', signOut);
  $('connect').addEventListener('click', () => void connectZoom());
  $('refresh').addEventListener('click', () => void refreshToken());
  $('disconnect').addEventListener('click', () => void disconnect());
  $('more-meetings').addEventListener('click', () => void loadMeetings(true));
  $('more-recordings').addEventListener('click', () => void loadMoreRecordings());
  $('create-meeting-form').addEventListener('submit', (event) => void createMeeting(event));
  $('recordings-form').addEventListener('submit', (event) => {
    event.preventDefault();
    hideError();
    void loadRecordings();
  });
  $('banner-close').addEventListener('click', hideBanner);
  $('error-close').addEventListener('click', hideError);
  // A page restored from the back/forward cache may show a stale connection.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted && readSession()) void loadStatus();
  });
}

function start() {
  wire();
  prefillMeetingForm();
  prefillRecordingsRange();
  fillTimeZoneList();
  consumeCallbackResult();
  const session = readSession();
  if (session) {
    renderSignedIn(session);
    void loadStatus();
  } else {
    renderSignedOut();
    if (sessionExpired) showError('Your demo session expired. Please sign in again.');
  }
  document.documentElement.dataset.ready = 'true';
}

start();

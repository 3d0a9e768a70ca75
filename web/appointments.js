// The demo's Appointments card: book, reschedule and cancel an appointment's
// meeting through PUT/GET/DELETE /api/appointments/{id}/meeting, and show
// which provider served it and why. It works whether or not the signed-in
// user connected Zoom: that is the point of the provider chain.

const SESSION_KEY = 'zoomConnect.demoSession';

/** @param {string} id */
function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing element #${id}`);
  return node;
}

function sessionToken() {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    return typeof session?.token === 'string' ? session.token : null;
  } catch {
    // A malformed entry is the same as no session.
    return null;
  }
}

/** @param {string} method @param {string} appointmentId @param {unknown} [body] */
async function call(method, appointmentId, body) {
  const token = sessionToken();
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/api/appointments/${encodeURIComponent(appointmentId)}/meeting`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const payload = response.status === 204 ? null : await response.json().catch(() => null);
  return { status: response.status, payload };
}

function formValues() {
  const start = /** @type {HTMLInputElement} */ (byId('appt-start')).value;
  const startDate = new Date(start);
  const hostEmail = /** @type {HTMLInputElement} */ (byId('appt-host-email')).value.trim();
  const agenda = /** @type {HTMLTextAreaElement} */ (byId('appt-agenda')).value.trim();
  return {
    appointmentId: /** @type {HTMLInputElement} */ (byId('appt-id')).value.trim(),
    body: {
      topic: /** @type {HTMLInputElement} */ (byId('appt-topic')).value.trim(),
      // The page's local time, sent as UTC: the API wants an explicit offset.
      startTime: Number.isNaN(startDate.getTime()) ? start : startDate.toISOString(),
      durationMinutes: Number(/** @type {HTMLInputElement} */ (byId('appt-duration')).value),
      timezone: /** @type {HTMLInputElement} */ (byId('appt-timezone')).value.trim(),
      ...(agenda ? { agenda } : {}),
      ...(hostEmail ? { hostEmail } : {}),
    },
  };
}

/** @param {string} tag @param {string} text @param {string} [className] */
function node(tag, text, className) {
  const n = document.createElement(tag);
  n.textContent = text;
  if (className) n.className = className;
  return n;
}

/** @param {string} heading @param {Record<string, unknown> | null} meeting */
function showMeeting(heading, meeting) {
  const out = byId('appt-result');
  out.replaceChildren();
  out.hidden = false;
  out.append(node('p', heading, 'appt-heading'));
  if (!meeting) return;
  const list = document.createElement('dl');
  list.className = 'details';
  const row = (label, value) => {
    const div = document.createElement('div');
    div.append(node('dt', label), node('dd', String(value ?? '—')));
    list.append(div);
  };
  row('Provider', meeting.provider);
  row('Why this provider', meeting.fallbackReason ?? 'the first provider served');
  row('Meeting', meeting.meetingId);
  row('Starts', new Date(String(meeting.startTime)).toLocaleString());
  row('Duration', `${meeting.durationMinutes} min`);
  if (meeting.passcode) row('Passcode', meeting.passcode);
  if (meeting.moved && typeof meeting.moved === 'object') {
    const moved = /** @type {Record<string, unknown>} */ (meeting.moved);
    row('Moved from', `${moved.fromProvider} ${moved.fromMeetingId} (${moved.oldMeetingCancelled ? 'cancelled there' : 'could not be cancelled there'})`);
  }
  out.append(list);
  if (typeof meeting.joinUrl === 'string' && /^https?:\/\//.test(meeting.joinUrl)) {
    const link = node('a', 'Join link', 'btn btn-secondary');
    link.setAttribute('href', meeting.joinUrl);
    link.setAttribute('target', '_blank');
    link.setAttribute('rel', 'noopener noreferrer');
    out.append(link);
  }
}

/** @param {{status: number, payload: any}} answer */
function showProblem(answer) {
  const problem = answer.payload ?? {};
  showMeeting(`${problem.title ?? 'Request failed'} (${answer.status}): ${problem.detail ?? ''}`, null);
  const out = byId('appt-result');
  const reasons = Array.isArray(problem.reasons) ? problem.reasons : [];
  const fields = Array.isArray(problem.errors) ? problem.errors : [];
  if (reasons.length + fields.length === 0) return;
  const list = document.createElement('ul');
  for (const r of reasons) list.append(node('li', `${r.provider}: ${r.reason}`));
  for (const f of fields) list.append(node('li', `${f.field}: ${f.message}`));
  out.append(list);
}

/** @param {HTMLButtonElement} button @param {() => Promise<void>} action */
async function busy(button, action) {
  button.disabled = true;
  try {
    await action();
  } catch {
    showMeeting('Could not reach the service. Is it still running?', null);
  } finally {
    button.disabled = false;
  }
}

function init() {
  const form = /** @type {HTMLFormElement} */ (byId('appt-form'));
  const zone = /** @type {HTMLInputElement} */ (byId('appt-timezone'));
  if (!zone.value) zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const start = /** @type {HTMLInputElement} */ (byId('appt-start'));
  if (!start.value) {
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    tomorrow.setMinutes(0, 0, 0);
    start.value = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = /** @type {HTMLButtonElement} */ (byId('appt-save'));
    void busy(button, async () => {
      const { appointmentId, body } = formValues();
      const answer = await call('PUT', appointmentId, body);
      if (answer.status === 201) showMeeting('Booked: a new meeting was made.', answer.payload);
      else if (answer.status === 200) showMeeting(answer.payload?.moved ? 'Moved to another provider.' : 'Up to date at its provider.', answer.payload);
      else showProblem(answer);
    });
  });
  byId('appt-load').addEventListener('click', (event) => {
    void busy(/** @type {HTMLButtonElement} */ (event.currentTarget), async () => {
      const answer = await call('GET', formValues().appointmentId);
      if (answer.status === 200) showMeeting('The appointment\'s meeting:', answer.payload);
      else showProblem(answer);
    });
  });
  byId('appt-cancel').addEventListener('click', (event) => {
    void busy(/** @type {HTMLButtonElement} */ (event.currentTarget), async () => {
      const answer = await call('DELETE', formValues().appointmentId);
      if (answer.status === 204) showMeeting('Cancelled (or nothing left to cancel).', null);
      else showProblem(answer);
    });
  });
}

init();

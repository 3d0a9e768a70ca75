import type { ZoomUser } from './model.js';
import type { ResolvedClient } from './options.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
  :root { --zoom-blue: #0b5cff; --ink: #131619; --muted: #6e7680; --line: #e4e7ec; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Lato, Helvetica, Arial, sans-serif; color: var(--ink); background: #f4f7fd; }
  header { background: #fff; border-bottom: 1px solid var(--line); padding: 14px 32px; }
  .logo { color: var(--zoom-blue); font-weight: 800; font-size: 26px; letter-spacing: -0.5px; }
  .logo small { color: var(--muted); font-weight: 500; font-size: 13px; margin-left: 8px; letter-spacing: 0; }
  main { max-width: 560px; margin: 40px auto; background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 32px; box-shadow: 0 4px 20px rgba(11, 92, 255, 0.06); }
  h1 { font-size: 22px; margin: 0 0 6px; }
  .sub { color: var(--muted); margin: 0 0 20px; }
  code { background: #f1f3f6; padding: 1px 6px; border-radius: 4px; font-size: 13px; }
  ul.scopes { padding-left: 20px; margin: 8px 0 20px; }
  fieldset { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px 16px; margin: 0 0 20px; }
  legend { font-weight: 600; padding: 0 6px; }
  .people { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 12px; }
  .person { border: 1px solid var(--line); background: #f8faff; border-radius: 18px; padding: 4px 12px; font-size: 13px; cursor: pointer; }
  .person:hover { border-color: var(--zoom-blue); }
  label { display: block; font-size: 13px; color: var(--muted); margin-bottom: 4px; }
  input[type=email], input[type=text] { width: 100%; padding: 10px 12px; border: 1px solid #c9ced6; border-radius: 8px; font-size: 15px; }
  input:focus { outline: 2px solid var(--zoom-blue); border-color: transparent; }
  .actions { display: flex; gap: 12px; justify-content: flex-end; }
  button { border-radius: 8px; padding: 10px 22px; font-size: 15px; font-weight: 600; cursor: pointer; border: 1px solid transparent; }
  #allow { background: var(--zoom-blue); color: #fff; }
  #allow:hover { background: #0e4bd1; }
  #deny { background: #fff; color: var(--ink); border-color: #c9ced6; }
  .note { color: var(--muted); font-size: 12px; margin-top: 20px; }
  .error { color: #b42318; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><span class="logo">zoom<small>emulator</small></span></header>
<main>
${body}
</main>
</body>
</html>`;
}

export interface ConsentPageInput {
  client: ResolvedClient;
  /** The authorization request's own fields, echoed back in the form. */
  fields: Array<[string, string]>;
  users: ZoomUser[];
}

export function renderConsentPage({ client, fields, users }: ConsentPageInput): string {
  const hidden = fields.map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('\n    ');
  const people = users
    .map(
      (user) =>
        `<button type="button" class="person" data-email="${escapeHtml(user.email)}" title="${escapeHtml(user.id)}">${escapeHtml(user.display_name)} · ${escapeHtml(user.email)}</button>`,
    )
    .join('\n        ');
  const options = users.map((user) => `<option value="${escapeHtml(user.email)}">${escapeHtml(user.display_name)}</option>`).join('');
  const scopes = client.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('');
  const firstEmail = users[0]?.email ?? '';
  return layout(
    `Authorize ${client.name} - Zoom`,
    `<h1>${escapeHtml(client.name)} would like to access your Zoom account</h1>
  <p class="sub">Client ID <code>${escapeHtml(client.clientId)}</code></p>
  <p>This app will be able to:</p>
  <ul class="scopes">${scopes}</ul>
  <form id="consent-form" method="post" action="/oauth/authorize">
    ${hidden}
    <fieldset>
      <legend>Sign in as</legend>
      <div class="people">
        ${people}
      </div>
      <label for="user">Email or user ID (a new email creates that user)</label>
      <input type="text" id="user" name="user" list="known-users" value="${escapeHtml(firstEmail)}" autocomplete="off" spellcheck="false">
      <datalist id="known-users">${options}</datalist>
    </fieldset>
    <div class="actions">
      <button type="submit" id="deny" name="decision" value="deny">Deny</button>
      <button type="submit" id="allow" name="decision" value="allow">Allow</button>
    </div>
  </form>
  <p class="note">This is the Zoom emulator: no password, pick any user. Nothing leaves this machine.</p>
  <script>
    for (const b of document.querySelectorAll('.person')) b.addEventListener('click', () => { document.getElementById('user').value = b.dataset.email; });
  </script>`,
  );
}

export function renderErrorPage(title: string, message: string, errorCode?: number): string {
  return layout(
    `${title} - Zoom`,
    `<h1 class="error">${escapeHtml(title)}</h1>
  <p>${escapeHtml(message)}</p>
  ${errorCode === undefined ? '' : `<p class="sub">Error code: ${errorCode}</p>`}`,
  );
}

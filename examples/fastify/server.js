// An existing Fastify app that knows its user from a signed cookie gains a "Connect Zoom" link.
// Sign in as anyone with GET /login?user=alice (a stand-in for your real sign-in).
import fastifyCookie from '@fastify/cookie';
import Fastify from 'fastify';
import { zoomConnectFastify } from 'zoom-connect/fastify';

const port = Number(process.env.PORT ?? 3001);
const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } });
// Your own cookie parser, for your own session cookie (Zoom Connect handles its one cookie itself).
await app.register(fastifyCookie, { secret: process.env.COOKIE_SECRET ?? 'example-only-cookie-secret-32-bytes!' });

function signedInUser(request) {
  const raw = request.cookies.uid;
  if (!raw) return null;
  const { valid, value } = request.unsignCookie(raw);
  return valid ? value : null;
}

// One call: configuration from the environment, the routes registered in their own context.
// Closing `app` closes Zoom Connect too.
const zoom = await zoomConnectFastify(app, { getUserId: signedInUser });

app.get('/login', async (request, reply) => {
  const user = typeof request.query.user === 'string' ? request.query.user : '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(user)) return reply.code(400).send('Sign in with /login?user=NAME (letters, digits, _ or -).');
  return reply.setCookie('uid', user, { signed: true, httpOnly: true, sameSite: 'lax', path: '/' }).redirect('/');
});

app.get('/meetings.json', async (request, reply) => {
  const userId = signedInUser(request);
  if (!userId) return reply.code(401).send({ code: 'unauthenticated' });
  return zoom.user(userId).listMeetings({ type: 'upcoming', page_size: 5 });
});

app.get('/', async (request, reply) => {
  const userId = signedInUser(request);
  reply.type('text/html');
  if (!userId) return page('<p>Not signed in. <a href="/login?user=alice">Sign in as alice</a>.</p>');
  const status = await zoom.user(userId).status();
  return page(`<p>Signed in as <b>${escape(userId)}</b>. Status: <code id="status">${escape(status.status)}</code></p>
    ${status.connected ? '<p><a href="/meetings.json">Upcoming meetings</a></p>' : '<p><a href="/api/zoom/oauth/user/connect">Connect Zoom</a></p>'}`);
});

function page(body) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Zoom Connect example</title></head><body><h1>My app</h1>${body}</body></html>`;
}

function escape(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

await app.listen({ port, host: '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void app.close());

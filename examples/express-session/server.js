// An existing Express app with cookie sessions gains a "Connect Zoom" link.
// Sign in as anyone with GET /login?user=alice (a stand-in for your real sign-in).
import express from 'express';
import session from 'express-session';
import { zoomConnectExpress } from 'zoom-connect/express';

const port = Number(process.env.PORT ?? 3000);
const zoom = await zoomConnectExpress({
  // Your way of knowing the signed-in user: here, the session.
  getUserId: (req) => req.session.userId ?? null,
});

const app = express();
// 1. The session middleware first: the router reads the user through it.
app.use(
  session({
    secret: process.env.SESSION_SECRET ?? 'example-only-session-secret',
    resave: false,
    saveUninitialized: false,
    // Lax: Zoom's redirect back to the callback is a top-level navigation, so the session is seen there.
    cookie: { httpOnly: true, sameSite: 'lax' },
  }),
);
// 2. Zoom Connect at the root, before any body parser (its webhook verifies the raw body).
app.use(zoom.router);
// 3. Your own parsers and routes after it.
app.use(express.urlencoded({ extended: false }));

app.get('/login', (req, res, next) => {
  const user = typeof req.query.user === 'string' ? req.query.user : '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(user)) {
    res.status(400).type('text').send('Sign in with /login?user=NAME (letters, digits, _ or -).');
    return;
  }
  req.session.regenerate((err) => {
    if (err) return next(err);
    req.session.userId = user;
    res.redirect('/');
  });
});

app.post('/logout', (req, res, next) => {
  req.session.destroy((err) => (err ? next(err) : res.redirect('/')));
});

// Disconnecting from server code. The session cookie is SameSite=Lax, so another site cannot post this form as the user.
app.post('/disconnect', signedIn, async (req, res, next) => {
  try {
    await zoom.user(req.session.userId).disconnect();
    res.redirect('/');
  } catch (err) {
    next(err);
  }
});

// The user's next meetings, as JSON, through the per-user server API.
app.get('/meetings.json', signedIn, async (req, res, next) => {
  try {
    res.json(await zoom.user(req.session.userId).listMeetings({ type: 'upcoming', page_size: 5 }));
  } catch (err) {
    next(err);
  }
});

app.get('/', async (req, res, next) => {
  const userId = req.session.userId;
  if (!userId) {
    res.type('html').send(page('<p>Not signed in. <a href="/login?user=alice">Sign in as alice</a>.</p>'));
    return;
  }
  try {
    const status = await zoom.user(userId).status();
    const outcome = typeof req.query.zoom === 'string' ? `<p>Zoom said: ${escape(req.query.zoom)} ${escape(String(req.query.reason ?? ''))}</p>` : '';
    const actions = status.connected
      ? `<p>Connected as ${escape(status.zoomEmail ?? status.zoomUserId ?? '')}. <a href="/meetings.json">Upcoming meetings</a></p>
         <form method="post" action="/disconnect"><button>Disconnect Zoom</button></form>`
      : '<p><a href="/api/zoom/oauth/user/connect">Connect Zoom</a></p>';
    res.type('html').send(
      page(`<p>Signed in as <b>${escape(userId)}</b>.</p>${outcome}${actions}
        <p>Status: <code id="status">${escape(status.status)}</code></p>
        <form method="post" action="/logout"><button>Sign out</button></form>`),
    );
  } catch (err) {
    next(err);
  }
});

// Errors from the per-user API are ConnectErrors with a stable code (not_connected, needs_reauth, ...).
app.use((err, req, res, _next) => {
  const status = err.code === 'not_connected' || err.code === 'needs_reauth' ? 409 : err.code === 'validation_failed' ? 400 : 500;
  res.status(status).json({ code: err.code ?? 'internal', message: status === 500 ? 'Something went wrong.' : err.message });
});

function signedIn(req, res, next) {
  if (req.session.userId) next();
  else res.status(401).json({ code: 'unauthenticated', message: 'Sign in first: /login?user=NAME' });
}

function page(body) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Zoom Connect example</title></head><body><h1>My app</h1>${body}</body></html>`;
}

function escape(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const server = app.listen(port, () => console.log(`Example app on http://localhost:${port}/`));

// Stop taking requests, then let Zoom Connect close its database pool and connections.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close(() => {
      zoom.close().then(
        () => process.exit(0),
        (err) => {
          console.error(err);
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
  });
}

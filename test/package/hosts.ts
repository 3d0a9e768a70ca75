/**
 * The consumer projects the package test writes into a fresh directory: each
 * imports the package by name, as an app that installed the tarball would.
 */

const ENTRIES = {
  'zoom-connect': ['zoomConnectExpress', 'zoomConnectFastify', 'embedZoomConnect', 'loadConfig', 'ConnectError', 'zoomConnect'],
  'zoom-connect/express': ['zoomConnectExpress', 'createZoomConnectRouter'],
  'zoom-connect/fastify': ['zoomConnectFastify', 'zoomConnect'],
  'zoom-connect/emulator': ['startEmulator'],
} as const;

/** What every host prints: per entry, the expected exports it found to be functions. */
export const EXPECTED_EXPORTS: Record<string, string[]> = Object.fromEntries(
  Object.entries(ENTRIES).map(([entry, names]) => [entry, [...names]]),
);

const report = `
const found = {};
for (const [entry, module] of Object.entries(modules)) {
  found[entry] = ${JSON.stringify(ENTRIES)}[entry].filter((name) => typeof module[name] === 'function');
}
console.log(JSON.stringify(found));
`;

export const ESM_HOST = `
const modules = {
  'zoom-connect': await import('zoom-connect'),
  'zoom-connect/express': await import('zoom-connect/express'),
  'zoom-connect/fastify': await import('zoom-connect/fastify'),
  'zoom-connect/emulator': await import('zoom-connect/emulator'),
};
${report}`;

export const CJS_HOST = `
const modules = {
  'zoom-connect': require('zoom-connect'),
  'zoom-connect/express': require('zoom-connect/express'),
  'zoom-connect/fastify': require('zoom-connect/fastify'),
  'zoom-connect/emulator': require('zoom-connect/emulator'),
};
${report}`;

/** A strict TypeScript host that uses every entry the way the docs show. */
export const TS_HOST = `
import express from 'express';
import session from 'express-session';
import Fastify from 'fastify';
import { ConnectError, type ConnectionStatusView, type ZoomUserApi } from 'zoom-connect';
import { zoomConnectExpress } from 'zoom-connect/express';
import { zoomConnectFastify } from 'zoom-connect/fastify';
import { startEmulator } from 'zoom-connect/emulator';

declare module 'express-session' {
  interface SessionData {
    userId: string;
  }
}

export async function expressHost(): Promise<ConnectionStatusView> {
  const zoom = await zoomConnectExpress({
    getUserId: (req: express.Request) => req.session.userId ?? null,
    config: { clientId: 'id', clientSecret: 'secret', redirectUri: 'https://app.example.com/api/zoom/oauth/user-callback', tokenEncryptionKeys: ['k1:' + 'A'.repeat(43) + '='] },
  });
  const app = express();
  app.use(session({ secret: 'host-secret', resave: false, saveUninitialized: false }));
  app.use(zoom.router);
  app.use(express.json());
  const alice: ZoomUserApi = zoom.user('alice');
  const page = await alice.listMeetings({ type: 'upcoming', page_size: 3 });
  const token: unknown = page.next_page_token;
  const webinars = await alice.request({ method: 'GET', path: '/users/me/webinars', query: { page_size: 10 } });
  await alice.createMeeting({ topic: 'Appointment', start_time: '2030-01-01T10:00:00Z', duration: 30 });
  console.log(token, webinars === null);
  await zoom.close();
  return alice.status();
}

export async function fastifyHost(): Promise<void> {
  const app = Fastify();
  const zoom = await zoomConnectFastify(app, { getUserId: (request) => request.headers['x-user'] as string | undefined ?? null });
  try {
    await zoom.user('bob').disconnect();
  } catch (err) {
    if (err instanceof ConnectError && err.code === 'not_connected') return;
    throw err;
  }
  const emulator = await startEmulator({ port: 0, clients: [] });
  await emulator.close();
  await app.close();
}
`;

/** Misuse the types must catch: Zoom's names are snake_case, and an unknown option is not an option. */
export const TS_MISUSE = `
import { zoomConnectExpress } from 'zoom-connect/express';

export async function misuse(): Promise<void> {
  const zoom = await zoomConnectExpress({ getUserId: () => null });
  await zoom.user('alice').listMeetings({ pageSize: 3 });
}
`;

export function tsconfig(moduleResolution: 'nodenext' | 'bundler', files: string[]): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: moduleResolution === 'nodenext' ? 'nodenext' : 'esnext',
      moduleResolution,
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
    },
    files,
  });
}

/**
 * The demo page in a real browser against the real service, started as a
 * user starts it (`zoom-connect serve`, demo mode: emulated Zoom, PGlite).
 * Screenshots of every step land in test-results/screenshots/.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { launchChromium, saveScreenshot } from '../helpers/browser.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

const STEP_TIMEOUT_MS = 20_000;
const SESSION_KEY = 'zoomConnect.demoSession';

let service: ServeProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  service = await startServeProcess();
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

interface Watched {
  page: Page;
  /** Console errors, uncaught exceptions and CSP violations raised by the app's own pages. */
  problems: string[];
}

/** A fresh browser profile (own cookies and sessionStorage) in a fixed locale and a non-UTC zone. */
async function openPage(): Promise<Watched> {
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'America/New_York', viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const problems: string[] = [];
  const onAppOrigin = (url: string): boolean => url.startsWith(service.baseUrl);
  page.on('console', (message) => {
    if (message.type() === 'error' && onAppOrigin(page.url())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => {
    if (onAppOrigin(page.url())) problems.push(`uncaught: ${error.message}`);
  });
  return { page, problems };
}

function isApiCall(method: string, path: string): (response: Response) => boolean {
  return (response) => response.request().method() === method && new URL(response.url()).pathname === path;
}

async function signIn(page: Page, userId: string): Promise<void> {
  await page.goto(`${service.baseUrl}/`);
  await page.locator('#user-id').fill(userId);
  await page.locator('#sign-in').click();
  await page.locator('#signed-in-user', { hasText: userId }).waitFor();
}

/** Connect Zoom → the emulator's consent page; returns the Zoom user the form will sign in as. */
async function openConsentPage(page: Page, screenshot: string): Promise<string> {
  await page.locator('#connect').click();
  await page.waitForURL((url) => url.port === String(service.emulatorPort) && url.pathname === '/oauth/authorize');
  await page.locator('#consent-form').waitFor();
  await saveScreenshot(page, screenshot);
  return page.locator('#user').inputValue();
}

async function backOnDemoPage(page: Page): Promise<void> {
  await page.waitForURL((url) => url.origin === service.baseUrl && url.pathname === '/');
}

/** A datetime-local value about 90 minutes ahead (whole hour, browser's zone) and the UTC instant it means. */
async function meetingStartInBrowser(page: Page): Promise<{ local: string; iso: string }> {
  return page.evaluate(() => {
    const start = new Date(Date.now() + 90 * 60_000);
    start.setMinutes(0, 0, 0);
    const pad = (n: number): string => String(n).padStart(2, '0');
    const local = `${start.getFullYear()}-${pad(start.getMonth() + 1)}-${pad(start.getDate())}T${pad(start.getHours())}:${pad(start.getMinutes())}`;
    return { local, iso: start.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  });
}

describe('demo page in Chromium against `zoom-connect serve`', () => {
  it('a person signs in, connects Zoom through the consent page, sees profile, meetings and recordings, creates a meeting and disconnects', async () => {
    const { page, problems } = await openPage();

    await page.goto(`${service.baseUrl}/`);
    await page.locator('#sign-in').waitFor();
    expect(await page.locator('#user-id').inputValue()).toBe('demo-user-1');
    await saveScreenshot(page, '01-sign-in');

    await signIn(page, 'demo-user-1');
    await page.locator('#connection-status', { hasText: /^not_connected$/ }).waitFor();
    expect(await page.locator('#sign-out').isVisible()).toBe(true);
    expect(await page.locator('#connect').isVisible()).toBe(true);
    await saveScreenshot(page, '02-signed-in-not-connected');

    // The session token stays in sessionStorage and never reaches the page's text.
    const stored = await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY);
    const token = (JSON.parse(stored ?? '{}') as { token?: string }).token;
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await page.content()).not.toContain(token);

    const zoomUser = await openConsentPage(page, '03-zoom-consent');
    expect(zoomUser).not.toBe('');
    await page.locator('#allow').click();

    await backOnDemoPage(page);
    await page.locator('#banner', { hasText: /connected/i }).waitFor();
    await page.locator('#connection-status', { hasText: /^active$/ }).waitFor();
    // The callback's ?zoom=connected is consumed and removed from the address bar.
    expect(new URL(page.url()).search).toBe('');
    expect(await page.locator('#connect').isVisible()).toBe(false);

    await page.locator('#profile .profile-name').waitFor();
    expect(await page.locator('#profile').innerText()).toContain(zoomUser);

    await page.locator('#meetings .meeting').first().waitFor();
    const firstJoin = await page.locator('#meetings .meeting a.join').first().getAttribute('href');
    expect(firstJoin).toMatch(/^https?:\/\/.+\/j\/\d+/);
    await page.locator('#recordings .recording').first().waitFor();
    await saveScreenshot(page, '04-connected-profile-meetings');

    // Create a meeting: a local datetime-local value goes out as the same instant in UTC.
    const topic = `Browser test appointment ${Date.now()}`;
    const start = await meetingStartInBrowser(page);
    expect(await page.locator('#meeting-timezone').inputValue()).toBe('America/New_York');
    await page.locator('#meeting-topic').fill(topic);
    await page.locator('#meeting-start').fill(start.local);
    await page.locator('#meeting-duration').fill('45');
    await page.locator('#meeting-agenda').fill('Follow-up consultation');
    const created = page.waitForResponse(isApiCall('POST', '/api/zoom/oauth/user/meetings'));
    await page.locator('#create-meeting').click();
    const response = await created;
    expect(response.status()).toBe(201);
    expect(JSON.parse(response.request().postData() ?? '{}')).toEqual({
      topic,
      start_time: start.iso,
      duration: 45,
      timezone: 'America/New_York',
      agenda: 'Follow-up consultation',
    });
    await page.locator('#created-meeting', { hasText: topic }).waitFor();
    expect(await page.locator('#created-meeting a.join-url').getAttribute('href')).toMatch(/^https?:\/\/.+\/j\/\d+/);
    await page.locator('#meetings .meeting', { hasText: topic }).waitFor();
    await saveScreenshot(page, '05-meeting-created');

    const refreshed = page.waitForResponse(isApiCall('POST', '/api/zoom/oauth/user/refresh'));
    await page.locator('#refresh').click();
    expect((await refreshed).status()).toBe(200);
    await page.locator('#banner', { hasText: /refreshed/i }).waitFor();
    await page.locator('#connection-status', { hasText: /^active$/ }).waitFor();

    await page.locator('#disconnect').click();
    await page.locator('#connection-status', { hasText: /^(revoked|not_connected)$/ }).waitFor();
    expect(await page.locator('#connect').isVisible()).toBe(true);
    // No tokens are left, so no token expiry is shown.
    expect(await page.locator('#detail-expires').isVisible()).toBe(false);
    expect(await page.locator('#profile').isVisible()).toBe(false);
    expect(await page.locator('#meetings .meeting').count()).toBe(0);
    await saveScreenshot(page, '06-disconnected');

    expect(problems).toEqual([]);
  }, 120_000);

  it('declining on the Zoom consent page brings the person back to a "you declined" banner, still not connected', async () => {
    const { page, problems } = await openPage();
    await signIn(page, 'demo-user-2');
    await page.locator('#connection-status', { hasText: /^not_connected$/ }).waitFor();

    await openConsentPage(page, '07-consent-before-deny');
    await page.locator('#deny').click();

    await backOnDemoPage(page);
    await page.locator('#banner', { hasText: /declined/i }).waitFor();
    await page.locator('#connection-status', { hasText: /^not_connected$/ }).waitFor();
    expect(new URL(page.url()).search).toBe('');
    expect(await page.locator('#connect').isVisible()).toBe(true);
    expect(await page.locator('#error').isVisible()).toBe(false);
    await saveScreenshot(page, '08-consent-declined');

    expect(problems).toEqual([]);
  }, 90_000);

  it('a request the session token no longer authorizes sends the person back to sign in', async () => {
    const { page, problems } = await openPage();
    await signIn(page, 'demo-user-1');
    await page.locator('#connection-status', { hasText: /^(not_connected|active|revoked)$/ }).waitFor();

    // A token signed with some other key: the service answers 401 `unauthenticated`.
    await page.evaluate((key) => {
      const session = JSON.parse(sessionStorage.getItem(key) ?? '{}') as Record<string, unknown>;
      const [header, payload] = String(session.token).split('.');
      sessionStorage.setItem(key, JSON.stringify({ ...session, token: `${header}.${payload}.c2lnbmVkLWJ5LXNvbWVvbmUtZWxzZQ` }));
    }, SESSION_KEY);
    await page.reload();

    await page.locator('#sign-in').waitFor();
    await page.locator('#error', { hasText: /sign in again/i }).waitFor();
    expect(await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY)).toBeNull();
    await saveScreenshot(page, '09-session-ended');

    // The failed 401 fetch itself is the only console error the browser reports.
    expect(problems.filter((p) => !/401/.test(p))).toEqual([]);
  }, 60_000);

  it('a callback reason the page does not know is shown as a fixed message, never echoed', async () => {
    const { page, problems } = await openPage();
    for (const reason of ['constructor', '<b>Call +1 555 0100 to fix your account</b>']) {
      await page.goto(`${service.baseUrl}/?zoom=error&reason=${encodeURIComponent(reason)}`);
      await page.locator('#banner', { hasText: 'Connecting Zoom did not work. Please try again.' }).waitFor();
      const banner = await page.locator('#banner-text').textContent();
      expect(banner).toBe('Connecting Zoom did not work. Please try again.');
      expect(new URL(page.url()).search).toBe('');
    }
    await saveScreenshot(page, '10-unknown-reason');
    expect(problems).toEqual([]);
  }, 60_000);

  it('a stored session that expired returns to sign-in saying so', async () => {
    const { page, problems } = await openPage();
    await signIn(page, 'demo-user-3');
    await page.evaluate((key) => {
      const session = JSON.parse(sessionStorage.getItem(key) ?? '{}') as Record<string, unknown>;
      sessionStorage.setItem(key, JSON.stringify({ ...session, expiresAt: new Date(Date.now() - 1000).toISOString() }));
    }, SESSION_KEY);
    await page.reload();

    await page.locator('#sign-in').waitFor();
    await page.locator('#error', { hasText: /session expired/i }).waitFor();
    expect(problems).toEqual([]);
  }, 60_000);
});

/**
 * The demo page's events panel in a real browser against `zoom-connect
 * serve` (demo mode): connecting and disconnecting show up as they arrive.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, saveScreenshot } from '../helpers/browser.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

let service: ServeProcess;
let browser: Browser;

beforeAll(async () => {
  service = await startServeProcess();
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

describe('the demo events panel', () => {
  test('shows connection.connected after connecting, then connection.disconnected on top after disconnecting', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    try {
      context.setDefaultTimeout(20_000);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));

      await page.goto(`${service.baseUrl}/`);
      expect(await page.locator('#events-card').isVisible()).toBe(false);
      await page.locator('#user-id').fill('panel-user');
      await page.locator('#sign-in').click();
      await page.locator('#events-card #events-empty').waitFor();

      await page.locator('#connect').click();
      await page.locator('#consent-form').waitFor();
      await page.locator('#allow').click();
      await page.locator('#connection-status', { hasText: /^active$/ }).waitFor();
      await page.locator('#events-list .event-item', { hasText: 'connection.connected' }).waitFor();
      expect(await page.locator('#events-list .event-item').first().innerText()).toContain('first connect');

      await page.locator('#disconnect').click();
      await page.locator('#events-list .event-item', { hasText: 'connection.disconnected' }).waitFor();
      expect(await page.locator('#events-list .event-item').first().innerText()).toContain('reason user_revoked');
      expect(await page.locator('#events-empty').isVisible()).toBe(false);
      await saveScreenshot(page, 'events-panel');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

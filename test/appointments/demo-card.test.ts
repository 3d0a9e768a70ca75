/**
 * The demo page's Appointments card in a real browser against the service
 * started as a user starts it (demo mode: both emulators in-process).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('the Appointments card', () => {
  it('books through the account, reschedules, then cancels, showing the provider and why', async () => {
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 1000 } });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${service.baseUrl}/`);
    await page.locator('#user-id').fill('appointments-demo-user');
    await page.locator('#sign-in').click();
    await page.locator('#appointments-card').waitFor();

    await page.locator('#appt-host-email').fill('ava.thompson@example.com');
    await page.locator('#appt-save').click();
    const result = page.locator('#appt-result');
    await result.getByText('Booked: a new meeting was made.').waitFor();
    await expect.poll(() => result.textContent()).toContain('zoom_account');
    expect(await result.textContent()).toContain('zoom_user: not_connected');
    await saveScreenshot(page, 'appointments-booked');

    await page.locator('#appt-duration').fill('45');
    await page.locator('#appt-save').click();
    await result.getByText('Up to date at its provider.').waitFor();
    expect(await result.textContent()).toContain('45 min');

    await page.locator('#appt-cancel').click();
    await result.getByText('Cancelled (or nothing left to cancel).').waitFor();
    await page.locator('#appt-load').click();
    await result.getByText('Appointment has no meeting (404)', { exact: false }).waitFor();
    await saveScreenshot(page, 'appointments-cancelled');
    expect(problems).toEqual([]);
    await context.close();
  });
});

import { launchChromium } from '../helpers/browser.js';
import { startServeProcess } from '../helpers/serve-process.js';
const service = await startServeProcess();
const browser = await launchChromium();
try {
  for (const [name, viewport] of [['desktop', { width: 1280, height: 900 }], ['mobile', { width: 390, height: 844 }]] as const) {
    const ctx = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'Europe/Berlin' });
    const page = await ctx.newPage();
    page.on('response', (r) => { if (r.status() >= 400) console.log('HTTP', r.status(), r.url()); });
    await page.goto(service.baseUrl + '/');
    await page.screenshot({ path: `/tmp/preview/${name}-0-signin.png` });
    await page.locator('#user-id').fill('bad user!');
    await page.locator('#sign-in').click();
    await page.screenshot({ path: `/tmp/preview/${name}-0b-signin-invalid.png` });
    await page.locator('#user-id').fill(name === 'desktop' ? 'demo-user-1' : 'demo-user-2');
    await page.locator('#sign-in').click();
    await page.locator('#connect').click();
    await page.locator('#consent-form').waitFor();
    await page.locator('#allow').click();
    await page.locator('#connection-status', { hasText: 'active' }).waitFor();
    await page.locator('#recordings .recording').first().waitFor();
    await page.screenshot({ path: `/tmp/preview/${name}-1-connected.png` });
    await page.locator('#meetings-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `/tmp/preview/${name}-2-meetings.png` });
    await page.locator('#meeting-topic').fill('');
    await page.locator('#meeting-duration').fill('0');
    await page.locator('#create-meeting').click();
    await page.locator('#create-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `/tmp/preview/${name}-3-form-client-errors.png` });
    await page.locator('#meeting-topic').fill('Check-up');
    await page.locator('#meeting-duration').fill('30');
    await page.locator('#meeting-timezone').fill('Not a zone!');
    await page.locator('#create-meeting').click();
    await page.waitForTimeout(800);
    await page.screenshot({ path: `/tmp/preview/${name}-4-form-server-errors.png` });
    await page.locator('#recordings-from').fill('2026-01-01');
    await page.locator('#recordings-to').fill('2026-03-15');
    await page.locator('#load-recordings').click();
    await page.waitForTimeout(800);
    await page.locator('#recordings-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `/tmp/preview/${name}-5-recordings-range-error.png` });
    await page.screenshot({ path: `/tmp/preview/${name}-full.png`, fullPage: true });
    await ctx.close();
  }
} finally {
  await browser.close();
  await service.stop();
}

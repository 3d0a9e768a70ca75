import { describe, expect, it } from 'vitest';
import { zoomOperation } from '../../src/metrics/index.js';

describe('Zoom operation labels', () => {
  it.each([
    ['GET', 'https://api.zoom.us/v2/users/me', undefined, 'users.me'],
    ['GET', 'https://api.zoom.us/v2/users/KdYKjnimT4KPd8FFgQt9FQ/meetings?page_size=30', undefined, 'meetings.list'],
    ['POST', 'https://api-eu.zoom.us/v2/users/KdYKjnimT4KPd8FFgQt9FQ/meetings', '{}', 'meetings.create'],
    ['GET', 'https://api.zoom.us/v2/users/someone@example.com/recordings', undefined, 'recordings.list'],
    ['PATCH', 'https://api.zoom.us/v2/meetings/85746065432', '{}', 'meetings.update'],
    ['DELETE', 'https://api.zoom.us/v2/meetings/85746065432', undefined, 'meetings.delete'],
    ['POST', 'https://zoom.us/oauth/token', 'grant_type=refresh_token&refresh_token=abc', 'oauth.token.refresh_token'],
    ['POST', 'https://zoom.us/oauth/token', 'grant_type=authorization_code&code=abc', 'oauth.token.authorization_code'],
    ['POST', 'https://zoom.us/oauth/token', 'grant_type=made_up', 'oauth.token.other'],
    ['POST', 'https://zoom.us/oauth/revoke?token=abc', 'token=abc', 'oauth.revoke'],
    ['GET', 'https://api.zoom.us/v2/webinars/123/registrants', undefined, 'other'],
  ])('%s %s is %s', (method, url, body, operation) => {
    expect(zoomOperation(method, url, body)).toBe(operation);
  });

  it('no label carries an id, an email or a token from the request', () => {
    const ids = ['KdYKjnimT4KPd8FFgQt9FQ', 'someone@example.com', '85746065432', 'abc'];
    const labels = [
      zoomOperation('GET', 'https://api.zoom.us/v2/users/KdYKjnimT4KPd8FFgQt9FQ', undefined),
      zoomOperation('GET', 'https://api.zoom.us/v2/users/someone@example.com/meetings', undefined),
      zoomOperation('GET', 'https://api.zoom.us/v2/meetings/85746065432', undefined),
      zoomOperation('POST', 'https://zoom.us/oauth/token', 'grant_type=abc'),
    ];
    for (const label of labels) for (const id of ids) expect(label).not.toContain(id);
  });
});

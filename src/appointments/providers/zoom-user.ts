import type { TokenManager } from '../../connections/index.js';
import { hasAnyScope, REQUIRED_SCOPES, type ZoomAuth, type ZoomMeetingsApi } from '../../zoom/index.js';
import { ProviderError } from '../errors.js';
import type { MeetingHost } from '../provider.js';
import { ZoomMeetingProvider, type ZoomBearer } from './zoom-meetings.js';

/** `zoom_user`: the host's own connection (their token, `/users/me`). */
export function zoomUserProvider(api: ZoomMeetingsApi, tokens: TokenManager): ZoomMeetingProvider {
  const bearer: ZoomBearer = {
    async open(host: MeetingHost) {
      const grant = await tokens.getAccessToken(host.hostId);
      // An empty list means Zoom did not say: let Zoom decide.
      if (grant.scopes.length > 0 && !hasAnyScope(grant.scopes, REQUIRED_SCOPES.createMeeting)) {
        throw new ProviderError('cannot_serve', 'missing_scope');
      }
      return { auth: { accessToken: grant.accessToken, apiBase: grant.apiBase }, userId: 'me' };
    },
    async reopen(host: MeetingHost, failed: ZoomAuth) {
      const grant = await tokens.refreshAfterRejection(host.hostId, failed.accessToken);
      return { accessToken: grant.accessToken, apiBase: grant.apiBase };
    },
  };
  return new ZoomMeetingProvider('zoom_user', api, bearer);
}

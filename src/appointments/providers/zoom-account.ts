import type { Store } from '../../store/types.js';
import type { ZoomAuth, ZoomMeetingsApi } from '../../zoom/index.js';
import { ProviderError } from '../errors.js';
import type { MeetingHost } from '../provider.js';
import type { S2STokenSource } from '../s2s-tokens.js';
import { ZoomMeetingProvider, type ZoomBearer } from './zoom-meetings.js';

/**
 * `zoom_account`: the account's Server-to-Server app, making the meeting for
 * the host's Zoom user: the user id their connection recorded when there is
 * one (it stays after a disconnect), else the email the app gave.
 */
export function zoomAccountProvider(api: ZoomMeetingsApi, tokens: S2STokenSource, store: Store, apiBase: string): ZoomMeetingProvider {
  const bearer: ZoomBearer = {
    async open(host: MeetingHost) {
      const connection = await store.connections.get(host.hostId);
      const userId = connection?.zoomUserId ?? host.hostEmail;
      if (!userId) throw new ProviderError('cannot_serve', 'host_unknown');
      return { auth: { accessToken: await tokens.token(), apiBase }, userId };
    },
    async reopen(_host: MeetingHost, failed: ZoomAuth) {
      return { accessToken: await tokens.replace(failed.accessToken), apiBase };
    },
  };
  return new ZoomMeetingProvider('zoom_account', api, bearer);
}

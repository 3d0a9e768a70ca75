import type { MeetingProvidersConfig } from '../config/meeting-providers.js';
import type { Logger } from '../config/logger.js';
import {
  functionTokenSource,
  GoogleCalendarClient,
  GoogleHttp,
  loadServiceAccountKey,
  ServiceAccountTokenSource,
  type GoogleAccessTokenFunction,
  type GoogleTokenSource,
} from '../google/index.js';
import { GoogleMeetProvider } from './providers/google-meet.js';

export interface GoogleMeetSetup {
  provider: GoogleMeetProvider;
  close(): Promise<void>;
}

/**
 * The `google_meet` provider from a service account key file (domain-wide
 * delegation, the token URL taken from the file's `token_uri`) or, embedded,
 * the host app's own token function; undefined when neither is configured.
 */
export async function setUpGoogleMeet(
  config: MeetingProvidersConfig,
  options: { logger: Logger; timeoutMs: number; accessToken?: GoogleAccessTokenFunction },
): Promise<GoogleMeetSetup | undefined> {
  if (!config.googleServiceAccountKeyFile && !options.accessToken) return undefined;
  const http = new GoogleHttp({ timeoutMs: options.timeoutMs, logger: options.logger });
  let tokens: GoogleTokenSource;
  if (options.accessToken) {
    tokens = functionTokenSource(options.accessToken);
  } else {
    try {
      const key = await loadServiceAccountKey(config.googleServiceAccountKeyFile as string);
      tokens = new ServiceAccountTokenSource({ key, http });
    } catch (err) {
      await http.close();
      throw err;
    }
  }
  const calendar = new GoogleCalendarClient({ baseUrl: config.googleCalendarApiBaseUrl, tokens, logger: options.logger, http });
  return { provider: new GoogleMeetProvider(calendar), close: () => http.close() };
}

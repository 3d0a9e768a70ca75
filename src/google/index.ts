/** The Google Calendar client for the Google Meet fallback (see docs/google.md). */
export * from './errors.js';
export { googleEventId, isValidGoogleEventId } from './event-id.js';
export type { ConferenceState, GoogleCalendarEvent } from './event-shape.js';
export { GoogleHttp, type GoogleHttpOptions } from './http.js';
export { functionTokenSource, type GoogleAccessTokenFunction, type GoogleTokenSource } from './token-source.js';
export {
  CALENDAR_EVENTS_SCOPE,
  loadServiceAccountKey,
  parseServiceAccountKey,
  ServiceAccountTokenSource,
  type ServiceAccountKey,
  type ServiceAccountTokenSourceOptions,
} from './service-account.js';
export {
  DEFAULT_GOOGLE_CALENDAR_API_BASE_URL,
  GoogleCalendarClient,
  type EventChanges,
  type GoogleCalendarClientOptions,
  type GoogleMeet,
  type NewMeetEvent,
} from './calendar-client.js';

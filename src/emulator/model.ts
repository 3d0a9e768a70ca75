import { z } from 'zod';
import { isRetryAfterValue, MAX_DELAY_SECONDS } from './retry-after.js';

/**
 * Shapes as Zoom serializes them, so routes can return them without mapping,
 * and the other types several emulator modules share. Kept here, importing no
 * other emulator module but retry-after's checks, so no two modules import
 * each other for a type.
 */

export interface ZoomUser {
  id: string;
  first_name: string;
  last_name: string;
  display_name: string;
  email: string;
  type: 1 | 2;
  role_name: string;
  pmi: number;
  use_pmi: boolean;
  personal_meeting_url: string;
  timezone: string;
  verified: 0 | 1;
  dept: string;
  created_at: string;
  last_login_time: string;
  pic_url: string;
  language: string;
  status: 'active';
  account_id: string;
  account_number: number;
  cluster: string;
  user_created_at: string;
}

export type MeetingType = 1 | 2 | 3 | 8;

export interface ZoomMeeting {
  uuid: string;
  id: number;
  host_id: string;
  host_email: string;
  topic: string;
  type: MeetingType;
  /** Absent for recurring meetings with no fixed time (type 3), as in Zoom. */
  start_time?: string;
  duration: number;
  timezone: string;
  agenda: string;
  created_at: string;
  join_url: string;
  start_url: string;
  password: string;
  settings: Record<string, unknown>;
  /** Zoom's meeting status; `started` is what `type=live` lists. */
  status: 'waiting' | 'started' | 'finished';
}

export interface ZoomRecordingFile {
  id: string;
  meeting_id: string;
  recording_start: string;
  recording_end: string;
  file_type: string;
  file_extension: string;
  file_size: number;
  play_url?: string;
  download_url: string;
  status: 'completed';
  recording_type: string;
}

export interface ZoomRecording {
  uuid: string;
  id: number;
  account_id: string;
  host_id: string;
  topic: string;
  type: MeetingType;
  start_time: string;
  /** The host's timezone, in which Zoom's clients show `start_time`. */
  timezone: string;
  duration: number;
  total_size: number;
  recording_count: number;
  share_url: string;
  recording_play_passcode: string;
  recording_files: ZoomRecordingFile[];
}

export type OAuthErrorCode = 'invalid_request' | 'invalid_grant' | 'invalid_client' | 'unsupported_grant_type';

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  refresh_token: string;
  expires_in: number;
  scope: string;
  api_url: string;
}

/** Server-to-Server tokens come alone: nothing to refresh, the app just asks again. */
export type AccountTokenResponse = Omit<TokenResponse, 'refresh_token'>;

export interface TokenFailure {
  ok: false;
  error: OAuthErrorCode;
  reason: string;
}

export type TokenOutcome<Body = TokenResponse> = { ok: true; body: Body } | TokenFailure;

export function tokenFailure(error: OAuthErrorCode, reason: string): TokenFailure {
  return { ok: false, error, reason };
}

/** Zoom timestamps carry no milliseconds. */
export function zoomTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What `POST /_emulator/faults` installs; validated here so the state never holds a fault that could crash a reply. */
export const faultConfigSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    tokenLatencyMs: z.number().int().min(0).max(120_000).optional(),
    errorRate: z.number().min(0).max(1).optional(),
    errorStatus: z.number().int().min(400).max(599).optional(),
    rateLimit: z
      .object({
        count: z.number().int().min(1).max(1_000_000),
        retryAfter: z
          .union([
            z.number().int().min(0).max(MAX_DELAY_SECONDS),
            z
              .string()
              .refine(
                isRetryAfterValue,
                'Expected delay-seconds, an IMF-fixdate such as "Sun, 06 Nov 1994 08:49:37 GMT" or an ISO 8601 UTC time such as "2020-05-31T00:00:00Z".',
              ),
          ])
          .optional(),
        /** `Daily-limit` is Zoom's documented value; `Daily` is this emulator's older spelling, kept for existing tests. */
        type: z.enum(['QPS', 'Daily-limit', 'Daily']).optional(),
        /**
         * `documented` (default): Retry-After and X-RateLimit-Type as Zoom's rate-limit page shows.
         * `message-only`: a daily limit as users have reported it, with neither header, only Zoom's
         * message naming the daily limit (forces a daily type).
         */
        shape: z.enum(['documented', 'message-only']).optional(),
      })
      .strict()
      .optional(),
    tokenEndpointDown: z.boolean().optional(),
    /**
     * The next N token requests are processed (a refresh rotates the token)
     * and then the connection is cut instead of answered: the lost response
     * ZOOM.md warns about, which no client can recover from.
     */
    loseTokenResponses: z.number().int().min(1).max(1_000).optional(),
    /**
     * The next N meeting creations (`POST /v2/users/{userId}/meetings`) store
     * the meeting and then cut the connection: the client cannot know the
     * meeting exists, and Zoom has no idempotency key to retry with.
     */
    loseMeetingCreateResponses: z.number().int().min(1).max(1_000).optional(),
    paths: z.union([z.string().startsWith('/'), z.array(z.string().startsWith('/'))]).optional(),
  })
  .strict();

export type FaultConfig = z.infer<typeof faultConfigSchema>;

/** Shapes as Zoom serializes them, so routes can return them without mapping. */

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
  duration: number;
  total_size: number;
  recording_count: number;
  share_url: string;
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

import { createHmac } from 'node:crypto';
import { zoomTime, type MeetingType, type ZoomMeeting, type ZoomRecording, type ZoomRecordingFile, type ZoomUser } from './model.js';
import type { MeetingInput } from './meeting-input.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface UserData {
  user: ZoomUser;
  meetings: ZoomMeeting[];
  recordings: ZoomRecording[];
}

export interface SeedContext {
  now: number;
  /** Every emulated user is in the emulator's one account. */
  accountId: string;
  baseUrl: string;
  random: () => number;
  allocateMeetingId: () => number;
}

/** A fixed-seed generator keeps seeded ids and topics identical across resets. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const TOPICS = [
  'Weekly team sync',
  'Design review: onboarding flow',
  'Sprint planning',
  'Customer onboarding call',
  'Quarterly business review',
  'Interview: Senior Backend Engineer',
  'Patient follow-up consultation',
  'Product roadmap walkthrough',
  'Incident retrospective',
  'Marketing campaign kickoff',
  'Budget planning FY26',
  'Office hours',
  'Vendor demo',
  'Architecture deep dive',
  'Coffee chat',
];

const AGENDAS = [
  'Review open action items and agree on next steps.',
  'Walk through the latest mockups and collect feedback.',
  '',
  'Status updates, blockers, and priorities for the week.',
  'Intro, demo, Q&A.',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new RangeError('pick from an empty list');
  return item;
}

function passcode(random: () => number): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let out = '';
  for (let i = 0; i < 6; i += 1) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

/** The passcode Zoom appends to share links (`?pwd=`): 32 characters of letters, digits, `-` and `_`. */
function recordingPasscode(random: () => number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let out = '';
  for (let i = 0; i < 32; i += 1) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

function uuidFrom(random: () => number): string {
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 16; i += 1) bytes[i] = Math.floor(random() * 256);
  return bytes.toString('base64');
}

/** Recording file ids are UUIDs in the 8-4-4-4-12 hex form ("a2f19f96-9294-4f51-8134-6f0eea108eb2"). */
function fileUuidFrom(random: () => number): string {
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 16; i += 1) bytes[i] = Math.floor(random() * 256);
  // Version 4 and the RFC 9562 variant bits, as Zoom's ids carry.
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function roundToQuarterHour(ms: number): number {
  return Math.round(ms / (15 * MINUTE)) * 15 * MINUTE;
}

/**
 * The settings object Zoom returns with a created meeting: every field its
 * Create Meeting response documents, at a new Pro account's defaults, so a
 * client reading any of them finds it.
 */
export function defaultMeetingSettings(): Record<string, unknown> {
  return {
    host_video: false,
    participant_video: false,
    cn_meeting: false,
    in_meeting: false,
    join_before_host: false,
    jbh_time: 0,
    mute_upon_entry: false,
    watermark: false,
    use_pmi: false,
    approval_type: 2,
    audio: 'voip',
    auto_recording: 'none',
    enforce_login: false,
    enforce_login_domains: '',
    alternative_hosts: '',
    alternative_host_update_polls: false,
    close_registration: false,
    show_share_button: false,
    allow_multiple_devices: false,
    registrants_confirmation_email: true,
    waiting_room: true,
    request_permission_to_unmute_participants: false,
    registrants_email_notification: true,
    meeting_authentication: false,
    encryption_type: 'enhanced_encryption',
    approved_or_denied_countries_or_regions: { enable: false },
    breakout_room: { enable: false },
    internal_meeting: false,
    continuous_meeting_chat: { enable: true, auto_add_invited_external_users: false, auto_add_meeting_participants: false },
    participant_focused_meeting: false,
    push_change_to_calendar: false,
    resources: [],
    allow_host_control_participant_mute_state: false,
    alternative_hosts_email_notification: true,
    show_join_info: false,
    device_testing: false,
    focus_mode: false,
    meeting_invitees: [],
    enable_dedicated_group_chat: false,
    private_meeting: false,
    email_notification: true,
    host_save_video_order: false,
    sign_language_interpretation: { enable: false },
    email_in_attendee_report: false,
    language_interpretation: { enable: false },
    auto_start_meeting_summary: false,
    who_will_receive_summary: 1,
    auto_start_ai_companion_questions: false,
    who_can_ask_questions: 1,
    global_dial_in_countries: [],
    global_dial_in_numbers: [],
  };
}

/** A meeting about to be stored: validated input, with the password settled and the server's fields added. */
export interface MeetingDraft extends Omit<MeetingInput, 'password'> {
  password: string;
  settings: Record<string, unknown>;
  status: ZoomMeeting['status'];
  createdMs: number;
}

/** The passcode rides in the join link, so a new passcode means a new link (as at Zoom). */
export function joinUrl(baseUrl: string, meetingId: number, password: string): string {
  return `${baseUrl}/j/${meetingId}${password ? `?pwd=${Buffer.from(password).toString('base64url')}` : ''}`;
}

export function buildMeeting(
  host: ZoomUser,
  draft: MeetingDraft,
  ids: { id: number; uuid: string },
  baseUrl: string,
): ZoomMeeting {
  const meeting: ZoomMeeting = {
    uuid: ids.uuid,
    id: ids.id,
    host_id: host.id,
    host_email: host.email,
    topic: draft.topic,
    type: draft.type,
    duration: draft.duration,
    timezone: draft.timezone,
    agenda: draft.agenda,
    created_at: zoomTime(draft.createdMs),
    join_url: joinUrl(baseUrl, ids.id, draft.password),
    start_url: `${baseUrl}/s/${ids.id}?zak=${Buffer.from(`${host.id}:${ids.id}`).toString('base64url')}`,
    password: draft.password,
    settings: draft.settings,
    status: draft.status,
  };
  if (draft.startMs !== undefined) meeting.start_time = zoomTime(draft.startMs);
  return meeting;
}

interface MeetingPlan {
  upcoming: number;
  past: number;
  live: number;
  recurring: number;
  instant: number;
}

function seedMeetings(host: ZoomUser, plan: MeetingPlan, ctx: SeedContext): ZoomMeeting[] {
  const { random, now } = ctx;
  const meetings: ZoomMeeting[] = [];
  const add = (type: MeetingType, startMs: number, status: ZoomMeeting['status']): void => {
    const password = passcode(random);
    meetings.push(
      buildMeeting(
        host,
        {
          topic: pick(random, TOPICS),
          type,
          startMs,
          duration: pick(random, [15, 30, 30, 45, 60, 60, 90]),
          timezone: host.timezone,
          agenda: pick(random, AGENDAS),
          password,
          settings: defaultMeetingSettings(),
          status,
          createdMs: Math.min(now, startMs) - (1 + Math.floor(random() * 20)) * DAY,
        },
        { id: ctx.allocateMeetingId(), uuid: uuidFrom(random) },
        ctx.baseUrl,
      ),
    );
  };
  for (let i = 0; i < plan.live; i += 1) add(2, now - (10 + 10 * i) * MINUTE, 'started');
  for (let i = 0; i < plan.past; i += 1) {
    add(2, roundToQuarterHour(now - (1 + Math.floor(random() * 21)) * DAY - Math.floor(random() * 8) * HOUR), 'finished');
  }
  for (let i = 0; i < plan.upcoming; i += 1) {
    add(2, roundToQuarterHour(now + (2 * HOUR) + Math.floor(random() * 42 * DAY)), 'waiting');
  }
  for (let i = 0; i < plan.recurring; i += 1) {
    add(8, roundToQuarterHour(now + (1 + i) * DAY + 9 * HOUR), 'waiting');
  }
  for (let i = 0; i < plan.instant; i += 1) {
    add(1, roundToQuarterHour(now - (1 + i * 3) * DAY), 'finished');
  }
  return meetings;
}

const FILE_KINDS: ReadonlyArray<{ file_type: string; file_extension: string; recording_type: string; bytesPerMinute: number; playable: boolean }> = [
  { file_type: 'MP4', file_extension: 'MP4', recording_type: 'shared_screen_with_speaker_view', bytesPerMinute: 9_000_000, playable: true },
  { file_type: 'M4A', file_extension: 'M4A', recording_type: 'audio_only', bytesPerMinute: 480_000, playable: true },
  { file_type: 'TRANSCRIPT', file_extension: 'VTT', recording_type: 'audio_transcript', bytesPerMinute: 2_500, playable: false },
  { file_type: 'CHAT', file_extension: 'TXT', recording_type: 'chat_file', bytesPerMinute: 300, playable: false },
];

function seedRecordings(host: ZoomUser, count: number, spanDays: number, ctx: SeedContext): ZoomRecording[] {
  const { random, now, baseUrl } = ctx;
  const recordings: ZoomRecording[] = [];
  for (let i = 0; i < count; i += 1) {
    // Spread evenly over the span so every one-month window has several.
    const startMs = roundToQuarterHour(now - ((i + 0.5) * spanDays * DAY) / count - Math.floor(random() * 6) * HOUR);
    const duration = pick(random, [22, 31, 45, 58, 64]);
    const uuid = uuidFrom(random);
    const fileCount = 2 + Math.floor(random() * 3);
    const files: ZoomRecordingFile[] = FILE_KINDS.slice(0, fileCount).map((kind) => {
      const fileId = fileUuidFrom(random);
      const file: ZoomRecordingFile = {
        id: fileId,
        meeting_id: uuid,
        recording_start: zoomTime(startMs + MINUTE),
        recording_end: zoomTime(startMs + (duration + 1) * MINUTE),
        file_type: kind.file_type,
        file_extension: kind.file_extension,
        file_size: Math.round(kind.bytesPerMinute * duration * (0.8 + random() * 0.4)),
        download_url: `${baseUrl}/rec/download/${fileId}`,
        status: 'completed',
        recording_type: kind.recording_type,
      };
      if (kind.playable) file.play_url = `${baseUrl}/rec/play/${fileId}`;
      return file;
    });
    recordings.push({
      uuid,
      id: ctx.allocateMeetingId(),
      account_id: host.account_id,
      host_id: host.id,
      topic: pick(random, TOPICS),
      type: 2,
      start_time: zoomTime(startMs),
      timezone: host.timezone,
      duration,
      total_size: files.reduce((sum, file) => sum + file.file_size, 0),
      recording_count: files.length,
      share_url: `${baseUrl}/rec/share/${uuid.replace(/[+/=]/g, '')}`,
      recording_play_passcode: recordingPasscode(random),
      recording_files: files,
    });
  }
  return recordings;
}

interface Person {
  id: string;
  first_name: string;
  last_name: string;
  email: string;
  type: 1 | 2;
  role_name: string;
  timezone: string;
  dept: string;
  language: string;
  pmi: number;
  createdDaysAgo: number;
}

/** The number Zoom shows beside the account id; one account, one number. */
const ACCOUNT_NUMBER = 4839201756;

export function buildUser(person: Person, ctx: Pick<SeedContext, 'now' | 'baseUrl' | 'accountId'>): ZoomUser {
  const created = zoomTime(roundToQuarterHour(ctx.now - person.createdDaysAgo * DAY));
  return {
    id: person.id,
    first_name: person.first_name,
    last_name: person.last_name,
    display_name: `${person.first_name} ${person.last_name}`.trim(),
    email: person.email,
    type: person.type,
    role_name: person.role_name,
    pmi: person.pmi,
    use_pmi: false,
    personal_meeting_url: `${ctx.baseUrl}/j/${person.pmi}`,
    timezone: person.timezone,
    verified: 1,
    dept: person.dept,
    created_at: created,
    last_login_time: zoomTime(roundToQuarterHour(ctx.now - 3 * HOUR)),
    pic_url: `${ctx.baseUrl}/p/${person.id}`,
    language: person.language,
    status: 'active',
    account_id: ctx.accountId,
    account_number: ACCOUNT_NUMBER,
    cluster: 'us05',
    user_created_at: created,
  };
}

const SEEDED_PEOPLE: ReadonlyArray<{ person: Person; meetings: MeetingPlan; recordings: number }> = [
  {
    person: {
      id: 'KDcuGIm1QgePTO8WbOqwIQ',
      first_name: 'Ava',
      last_name: 'Thompson',
      email: 'ava.thompson@example.com',
      type: 2,
      role_name: 'Owner',
      timezone: 'America/New_York',
      dept: 'Engineering',
      language: 'en-US',
      pmi: 3924817560,
      createdDaysAgo: 812,
    },
    // 45 scheduled (2 live + 12 past + 28 upcoming + 3 recurring) plus 3 instant ones.
    meetings: { live: 2, past: 12, upcoming: 28, recurring: 3, instant: 3 },
    recordings: 24,
  },
  {
    person: {
      id: 'z8yBXksmQ7aHpu3ZbXhR5g',
      first_name: 'Mateo',
      last_name: 'García',
      email: 'mateo.garcia@example.com',
      type: 2,
      role_name: 'Member',
      timezone: 'Europe/Madrid',
      dept: 'Sales',
      language: 'es-ES',
      pmi: 6120398475,
      createdDaysAgo: 240,
    },
    meetings: { live: 0, past: 2, upcoming: 6, recurring: 1, instant: 1 },
    recordings: 6,
  },
  {
    person: {
      id: 'p3Vx0kWcTnGlc5m2Q7hYfA',
      first_name: 'Priya',
      last_name: 'Nair',
      email: 'priya.nair@example.org',
      type: 1,
      role_name: 'Owner',
      timezone: 'Asia/Kolkata',
      dept: '',
      language: 'en-US',
      pmi: 8457710293,
      createdDaysAgo: 35,
    },
    // A Basic user: no cloud recordings.
    meetings: { live: 0, past: 1, upcoming: 2, recurring: 0, instant: 0 },
    recordings: 0,
  },
];

export function seedUsers(ctx: SeedContext): UserData[] {
  return SEEDED_PEOPLE.map(({ person, meetings, recordings }) => {
    const user = buildUser(person, ctx);
    return { user, meetings: seedMeetings(user, meetings, ctx), recordings: seedRecordings(user, recordings, 70, ctx) };
  });
}

function titleCase(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

export interface NewUserFields {
  id: string;
  email: string;
  first_name?: string;
  last_name?: string;
  timezone?: string;
  type?: 1 | 2;
}

/** A user who appears at the consent page or through the control API, with a little history. */
export function createUserData(fields: NewUserFields, ctx: SeedContext, withContent: boolean): UserData {
  const localPart = fields.email.split('@')[0] ?? fields.email;
  const words = localPart.split(/[._+-]+/).filter((word) => word.length > 0);
  const digest = createHmac('sha256', 'emulator-numbers').update(fields.id).digest();
  const user = buildUser(
    {
      id: fields.id,
      first_name: fields.first_name ?? titleCase(words[0] ?? 'Zoom'),
      last_name: fields.last_name ?? titleCase(words.slice(1).join(' ') || 'User'),
      email: fields.email.toLowerCase(),
      type: fields.type ?? 2,
      role_name: 'Owner',
      timezone: fields.timezone ?? 'UTC',
      dept: '',
      language: 'en-US',
      pmi: 2_000_000_000 + (digest.readUInt32BE(4) % 7_999_999_999),
      createdDaysAgo: 0,
    },
    ctx,
  );
  if (!withContent) return { user, meetings: [], recordings: [] };
  return {
    user,
    meetings: seedMeetings(user, { live: 0, past: 1, upcoming: 3, recurring: 0, instant: 0 }, ctx),
    recordings: seedRecordings(user, 2, 14, ctx),
  };
}

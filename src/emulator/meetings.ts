import { randomAlphanumeric, randomMeetingUuid } from './ids.js';
import type { MeetingInput, MeetingPatch } from './meeting-input.js';
import { zoomTime, type ZoomMeeting, type ZoomRecording, type ZoomUser } from './model.js';
import { buildMeeting, defaultMeetingSettings, joinUrl } from './seed.js';
import type { EmulatorState } from './state.js';

export const MEETING_LIST_TYPES = ['scheduled', 'live', 'upcoming', 'upcoming_meetings', 'previous_meetings'] as const;
export type MeetingListType = (typeof MEETING_LIST_TYPES)[number];

function startOf(meeting: ZoomMeeting): number {
  return meeting.start_time === undefined ? Number.POSITIVE_INFINITY : Date.parse(meeting.start_time);
}

/**
 * Zoom's list types: `scheduled` is every scheduled (non-instant) meeting not
 * deleted, past ones included; `live` the started ones; `upcoming` and
 * `upcoming_meetings` live plus future ones; `previous_meetings` the held ones.
 */
export function listMeetings(state: EmulatorState, userId: string, type: MeetingListType): ZoomMeeting[] {
  const now = state.now();
  const all = state.meetings.get(userId) ?? [];
  const chosen = all.filter((meeting) => {
    switch (type) {
      case 'scheduled':
        return meeting.type !== 1;
      case 'live':
        return meeting.status === 'started';
      case 'upcoming':
      case 'upcoming_meetings':
        return meeting.status === 'started' || (meeting.status === 'waiting' && startOf(meeting) >= now);
      case 'previous_meetings':
        // Only meetings that actually took place; a never-started one is not "previous".
        return meeting.status === 'finished';
    }
  });
  return chosen.sort((a, b) => startOf(a) - startOf(b) || a.id - b.id);
}

export function meetingListItem(meeting: ZoomMeeting): Record<string, unknown> {
  return {
    uuid: meeting.uuid,
    id: meeting.id,
    host_id: meeting.host_id,
    topic: meeting.topic,
    type: meeting.type,
    ...(meeting.start_time === undefined ? {} : { start_time: meeting.start_time }),
    duration: meeting.duration,
    timezone: meeting.timezone,
    agenda: meeting.agenda,
    created_at: meeting.created_at,
    join_url: meeting.join_url,
  };
}

export function meetingDetail(meeting: ZoomMeeting): Record<string, unknown> {
  return {
    uuid: meeting.uuid,
    id: meeting.id,
    host_id: meeting.host_id,
    host_email: meeting.host_email,
    topic: meeting.topic,
    type: meeting.type,
    status: meeting.status,
    ...(meeting.start_time === undefined ? {} : { start_time: meeting.start_time }),
    duration: meeting.duration,
    timezone: meeting.timezone,
    agenda: meeting.agenda,
    created_at: meeting.created_at,
    start_url: meeting.start_url,
    join_url: meeting.join_url,
    password: meeting.password,
    settings: meeting.settings,
    pre_schedule: false,
  };
}

export function createMeeting(state: EmulatorState, host: ZoomUser, input: MeetingInput): ZoomMeeting {
  const meeting = buildMeeting(
    host,
    {
      topic: input.topic,
      type: input.type,
      startMs: input.startMs,
      duration: input.duration,
      timezone: input.timezone,
      agenda: input.agenda,
      password: input.password ?? randomAlphanumeric(6),
      settings: { ...defaultMeetingSettings(), ...input.settings },
      status: 'waiting',
      createdMs: state.now(),
    },
    { id: state.allocateMeetingId(), uuid: randomMeetingUuid() },
    state.baseUrl,
  );
  state.addMeeting(meeting);
  return meeting;
}

/** Zoom merges `settings` key by key and leaves unsent fields as they were. */
export function updateMeeting(state: EmulatorState, meeting: ZoomMeeting, patch: MeetingPatch): void {
  if (patch.topic !== undefined) meeting.topic = patch.topic;
  if (patch.type !== undefined) meeting.type = patch.type;
  if (patch.startMs !== undefined) meeting.start_time = zoomTime(patch.startMs);
  if (patch.duration !== undefined) meeting.duration = patch.duration;
  if (patch.timezone !== undefined) meeting.timezone = patch.timezone;
  if (patch.agenda !== undefined) meeting.agenda = patch.agenda;
  if (patch.settings !== undefined) meeting.settings = { ...meeting.settings, ...patch.settings };
  if (patch.password !== undefined) {
    meeting.password = patch.password;
    meeting.join_url = joinUrl(state.baseUrl, meeting.id, patch.password);
  }
}

/** Newest first, like Zoom; `from` and `to` are inclusive UTC dates. */
export function listRecordings(state: EmulatorState, userId: string, from: string, to: string): ZoomRecording[] {
  return (state.recordings.get(userId) ?? [])
    .filter((recording) => {
      const day = recording.start_time.slice(0, 10);
      return day >= from && day <= to;
    })
    .sort((a, b) => Date.parse(b.start_time) - Date.parse(a.start_time));
}

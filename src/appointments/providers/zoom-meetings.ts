import type { AppointmentRequest, MeetingProviderId } from '../../store/types.js';
import type { ZoomAuth, ZoomMeetingsApi } from '../../zoom/index.js';
import { ZoomApiError } from '../../zoom/index.js';
import { ProviderError } from '../errors.js';
import { agendaHasMarker, agendaKeepingMarker, agendaWithMarker } from '../markers.js';
import type { MeetingHost, MeetingProvider, ProviderMeeting } from '../provider.js';
import { zoomFailure, zoomFields, zoomMeeting } from './zoom-failures.js';

/** Pages of the host's meetings a reconcile reads at most (300 each). */
const MAX_RECONCILE_PAGES = 10;

/** How a Zoom provider calls as the host: whose token, and which user path. */
export interface ZoomBearer {
  /** Throws ProviderError `cannot_serve` when this bearer cannot act for the host. */
  open(host: MeetingHost): Promise<{ auth: ZoomAuth; userId: string }>;
  /** Zoom refused `failed` (401 code 124): a replacement, or a ProviderError. */
  reopen(host: MeetingHost, failed: ZoomAuth): Promise<ZoomAuth>;
}

/** A Zoom meeting provider over one kind of bearer (the host's own token, or the account's). */
export class ZoomMeetingProvider implements MeetingProvider {
  constructor(
    readonly name: Extract<MeetingProviderId, 'zoom_user' | 'zoom_account'>,
    private readonly api: ZoomMeetingsApi,
    private readonly bearer: ZoomBearer,
  ) {}

  async create(host: MeetingHost, request: AppointmentRequest, marker: string): Promise<ProviderMeeting> {
    const fields = zoomFields(request, agendaWithMarker(request.agenda, marker));
    return zoomMeeting(await this.call(host, true, (auth, userId) => this.api.createMeeting(auth, userId, fields)));
  }

  async find(host: MeetingHost, request: AppointmentRequest, marker: string): Promise<ProviderMeeting | null> {
    return this.call(host, false, async (auth, userId) => {
      let pageToken: string | undefined;
      for (let page = 0; page < MAX_RECONCILE_PAGES; page++) {
        const { meetings, nextPageToken } = await this.api.listMeetings(auth, userId, pageToken);
        const ours = meetings.find((m) => agendaHasMarker(m.agenda, marker));
        // The list leaves out the passcode: read the meeting itself.
        if (ours) return zoomMeeting(await this.api.getMeeting(auth, String(ours.id)));
        if (nextPageToken === '') return null;
        pageToken = nextPageToken;
      }
      return null;
    });
  }

  async update(host: MeetingHost, meetingId: string, request: AppointmentRequest): Promise<ProviderMeeting> {
    return this.call(host, false, async (auth) => {
      const current = await this.api.getMeeting(auth, meetingId);
      // Keep the marker line the meeting was made with: it is how a lost answer was found.
      const agenda = typeof current.agenda === 'string' ? agendaKeepingMarker(current.agenda, request.agenda) : (request.agenda ?? '');
      await this.api.updateMeeting(auth, meetingId, zoomFields(request, agenda));
      return zoomMeeting(await this.api.getMeeting(auth, meetingId));
    });
  }

  async cancel(host: MeetingHost, meetingId: string): Promise<'cancelled' | 'gone'> {
    try {
      await this.call(host, false, (auth) => this.api.deleteMeeting(auth, meetingId));
      return 'cancelled';
    } catch (err) {
      if (err instanceof ProviderError && err.kind === 'not_found') return 'gone';
      throw err;
    }
  }

  async startUrl(host: MeetingHost, meetingId: string): Promise<string | null> {
    const meeting = await this.call(host, false, (auth) => this.api.getMeeting(auth, meetingId));
    return typeof meeting.start_url === 'string' ? meeting.start_url : null;
  }

  /** One call as the host, retried once with a new token after Zoom's 401 code 124 (Zoom did not process it). */
  private async call<T>(host: MeetingHost, creating: boolean, fn: (auth: ZoomAuth, userId: string) => Promise<T>): Promise<T> {
    // Failing to get a token means nothing was sent: never an unknown outcome.
    const { auth, userId } = await beforeSending(this.bearer.open(host));
    try {
      return await fn(auth, userId);
    } catch (err) {
      if (!(err instanceof ZoomApiError && err.isInvalidAccessToken)) throw zoomFailure(err, creating);
    }
    const replacement = await beforeSending(this.bearer.reopen(host, auth));
    try {
      return await fn(replacement, userId);
    } catch (err) {
      throw zoomFailure(err, creating);
    }
  }
}

/** Getting a token fails before anything reaches Zoom's meeting API. */
async function beforeSending<T>(step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    throw zoomFailure(err, false);
  }
}

import type { Logger } from '../config/logger.js';
import type { Clock } from '../connections/context.js';
import { StoreLockTimeoutError, StoreUnavailableError } from '../store/errors.js';
import { APPOINTMENT_EVENT_SCHEMAS, APPOINTMENT_EVENT_VERSION, newEventId, type AppointmentEventType } from '../events/index.js';
import type { AppointmentMeeting, AppointmentMeetingDetails, AppointmentRequest, MeetingProviderId, OutboxEvent, Store } from '../store/types.js';
import { AppointmentError, describeReasons, meetingNotFound, ProviderError, type ProviderReason } from './errors.js';
import type { AppointmentMetrics } from '../metrics/index.js';
import { newMarker } from './markers.js';
import type { MeetingHost, MeetingProvider, ProviderMeeting } from './provider.js';


/** The meeting of an appointment as the app sees it. */
export interface AppointmentMeetingView {
  appointmentId: string;
  provider: MeetingProviderId;
  meetingId: string;
  joinUrl: string;
  passcode?: string;
  topic: string;
  startTime: string;
  durationMinutes: number;
  timezone: string;
  agenda: string | null;
  hostEmail: string | null;
  fallbackReason: string | null;
  /** Only on the answer that moved the meeting to another provider. */
  moved?: { fromProvider: MeetingProviderId; fromMeetingId: string; oldMeetingCancelled: boolean };
}

export interface EnsureResult {
  created: boolean;
  meeting: AppointmentMeetingView;
}

export interface AppointmentMeetingsDeps {
  store: Store;
  /** The chain in MEETING_PROVIDERS order; a name without a provider is `not_configured`. */
  order: readonly MeetingProviderId[];
  providers: Partial<Record<MeetingProviderId, MeetingProvider>>;
  clock: Clock;
  logger: Logger;
  /** How long a request waits for another holding the same appointment. */
  lockTimeoutMs: number;
  /** Which provider served and why others were passed over (bounded labels, never a user id). */
  metrics?: AppointmentMetrics;
}

/**
 * A meeting for every appointment. One holder per (host, appointment) at a
 * time across processes; a create is recorded (committed) before it is sent,
 * and a create whose answer was lost is looked for at its provider before
 * anything else happens, so an appointment never gets two meetings. Each
 * outcome's event goes into the outbox in the same transaction as the row
 * change it reports (a move's, once the old meeting's cancel is known).
 */
export class AppointmentMeetings {
  constructor(private readonly deps: AppointmentMeetingsDeps) {}

  async get(hostId: string, appointmentId: string): Promise<AppointmentMeetingView> {
    const row = await this.deps.store.appointments.get(hostId, appointmentId);
    if (!row?.meeting) throw meetingNotFound(appointmentId);
    return view(row);
  }

  /** Creates the meeting (created: true) or brings the one it has in line with `request`. */
  ensure(hostId: string, appointmentId: string, request: AppointmentRequest): Promise<EnsureResult> {
    return this.locked(hostId, appointmentId, async () => {
      const host = { hostId, hostEmail: request.hostEmail };
      const row = await this.reconciled(host, appointmentId, await this.deps.store.appointments.get(hostId, appointmentId));
      if (row?.meeting) return { created: false, meeting: await this.bringInLine(host, row, request) };
      const made = await this.createThroughChain(host, appointmentId, request, this.deps.order, [], { type: 'appointment.meeting.created', extra: {} });
      return { created: true, meeting: view(made.row) };
    });
  }

  /** Cancels at the provider and forgets the appointment; idempotent, and a meeting already gone counts as cancelled. */
  cancel(hostId: string, appointmentId: string): Promise<void> {
    return this.locked(hostId, appointmentId, async () => {
      const stored = await this.deps.store.appointments.get(hostId, appointmentId);
      const host = { hostId, hostEmail: stored?.hostEmail ?? null };
      const row = await this.reconciled(host, appointmentId, stored);
      if (!row) return;
      let cancelledAtProvider = false;
      if (row.meeting) cancelledAtProvider = await this.cancelAt(host, row.meeting.provider, row.meeting.meetingId, true);
      const cancelled = row.meeting ? this.event('appointment.meeting.cancelled', hostId, appointmentId, row.meeting, row.startTime, { cancelledAtProvider }) : undefined;
      await this.deps.store.appointments.delete(hostId, appointmentId, cancelled);
    });
  }

  /** The host's start link, fetched fresh from the provider (never stored: it is a credential). */
  async startUrl(hostId: string, appointmentId: string): Promise<string> {
    const row = await this.deps.store.appointments.get(hostId, appointmentId);
    if (!row?.meeting) throw meetingNotFound(appointmentId);
    const provider = this.requireProvider(row.meeting.provider);
    try {
      const url = await provider.startUrl({ hostId, hostEmail: row.hostEmail }, row.meeting.meetingId);
      if (url === null) throw new AppointmentError('no_start_url', `A ${row.meeting.provider} meeting has no start link; the host joins with joinUrl.`);
      return url;
    } catch (err) {
      throw this.unservable(row.meeting.provider, err);
    }
  }

  private locked<T>(hostId: string, appointmentId: string, fn: () => Promise<T>): Promise<T> {
    return this.deps.store.appointments.withLock(hostId, appointmentId, this.deps.lockTimeoutMs, fn);
  }

  /**
   * A create recorded but never confirmed is looked for first: found, it is
   * adopted (and, if it was replacing a meeting, that one is cancelled);
   * known absent, the record is cleared. A provider that cannot be asked
   * leaves the outcome unknown: 503, nothing else is tried.
   */
  private async reconciled(host: MeetingHost, appointmentId: string, row: AppointmentMeeting | null): Promise<AppointmentMeeting | null> {
    if (!row?.pending) return row;
    const { provider: name, marker } = row.pending;
    const provider = this.deps.providers[name];
    let found: ProviderMeeting | null = null;
    if (provider) {
      try {
        found = await provider.find({ hostId: host.hostId, hostEmail: row.hostEmail ?? host.hostEmail }, row, marker);
      } catch (err) {
        // A provider that can no longer act for the host cannot have its meeting found, nor cancelled: move on.
        if (!(err instanceof ProviderError && err.kind === 'cannot_serve')) throw this.outcomeUnknown(name, err);
        this.deps.logger.warn({ provider: name, appointmentId, reason: err.reason }, 'could not look for an unconfirmed meeting: the provider no longer serves this host');
      }
    }
    const now = this.deps.clock();
    if (!found) {
      await this.deps.store.appointments.clearPending(host.hostId, appointmentId, now);
      return this.deps.store.appointments.get(host.hostId, appointmentId);
    }
    const previous = row.meeting;
    const meeting = { provider: name, ...found };
    const replacing = previous !== null && (previous.provider !== name || previous.meetingId !== found.meetingId);
    const created = replacing ? undefined : this.event('appointment.meeting.created', host.hostId, appointmentId, meeting, row.startTime, { fallbackReason: row.fallbackReason, reconciled: true });
    const adopted = await this.deps.store.appointments.saveMeeting(host.hostId, appointmentId, row, meeting, row.fallbackReason, now, created);
    if (previous && replacing) {
      const oldMeetingCancelled = await this.cancelAt(host, previous.provider, previous.meetingId, false);
      await this.deps.store.appointments.recordEvent(
        this.event('appointment.meeting.moved', host.hostId, appointmentId, meeting, row.startTime, { fromProvider: previous.provider, fromMeetingId: previous.meetingId, oldMeetingCancelled }),
      );
    }
    return adopted;
  }

  /** A reschedule or new topic stays at the meeting's provider; one that can no longer serve the host hands it to the next. */
  private async bringInLine(host: MeetingHost, row: AppointmentMeeting, request: AppointmentRequest): Promise<AppointmentMeetingView> {
    const meeting = row.meeting as NonNullable<AppointmentMeeting['meeting']>;
    const now = this.deps.clock();
    if (sameMeeting(row, request)) {
      if (row.hostEmail === request.hostEmail) return view(row);
      return view(await this.deps.store.appointments.saveMeeting(host.hostId, row.appointmentId, request, meeting, row.fallbackReason, now));
    }
    const provider = this.deps.providers[meeting.provider];
    let cannotServe: ProviderReason = { provider: meeting.provider, reason: 'not_configured' };
    if (provider) {
      try {
        const updated = { provider: meeting.provider, ...(await provider.update(host, meeting.meetingId, request)) };
        const event = this.event('appointment.meeting.updated', host.hostId, row.appointmentId, updated, request.startTime, { previousStartTime: row.startTime.toISOString() });
        return view(await this.deps.store.appointments.saveMeeting(host.hostId, row.appointmentId, request, updated, row.fallbackReason, now, event));
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        if (err.kind === 'not_found') return this.replaceVanished(host, row, request);
        if (err.kind !== 'cannot_serve') throw this.unservable(meeting.provider, err);
        cannotServe = { provider: meeting.provider, reason: err.reason };
      }
    }
    return this.move(host, row, request, cannotServe);
  }

  /** The meeting was deleted at its provider behind our back: the appointment gets a new one. */
  private async replaceVanished(host: MeetingHost, row: AppointmentMeeting, request: AppointmentRequest): Promise<AppointmentMeetingView> {
    await this.deps.store.appointments.delete(host.hostId, row.appointmentId);
    const made = await this.createThroughChain(host, row.appointmentId, request, this.deps.order, [], {
      type: 'appointment.meeting.created',
      extra: { replacesVanishedMeetingId: row.meeting?.meetingId ?? null },
    });
    return view(made.row);
  }

  private async move(host: MeetingHost, row: AppointmentMeeting, request: AppointmentRequest, why: ProviderReason): Promise<AppointmentMeetingView> {
    const old = row.meeting as NonNullable<AppointmentMeeting['meeting']>;
    const rest = this.deps.order.filter((name) => name !== old.provider);
    const made = await this.createThroughChain(host, row.appointmentId, request, rest, [why]);
    const oldMeetingCancelled = await this.cancelAt(host, old.provider, old.meetingId, false);
    const moved = { fromProvider: old.provider, fromMeetingId: old.meetingId, oldMeetingCancelled };
    const current = made.row.meeting as AppointmentMeetingDetails;
    await this.deps.store.appointments.recordEvent(
      this.event('appointment.meeting.moved', host.hostId, row.appointmentId, current, request.startTime, { ...moved, fallbackReason: made.row.fallbackReason }),
    );
    return { ...view(made.row), moved };
  }

  /**
   * Tries `chain` in order. A provider that cannot serve the host, or is down
   * after its retries, is passed over with its reason; a create whose answer
   * was lost is looked for before passing over it.
   */
  private async createThroughChain(
    host: MeetingHost,
    appointmentId: string,
    request: AppointmentRequest,
    chain: readonly MeetingProviderId[],
    earlier: ProviderReason[] = [],
    outcome?: { type: AppointmentEventType; extra: Record<string, unknown> },
  ): Promise<{ row: AppointmentMeeting }> {
    const reasons = [...earlier];
    const store = this.deps.store.appointments;
    for (const name of chain) {
      const provider = this.deps.providers[name];
      if (!provider) {
        reasons.push({ provider: name, reason: 'not_configured' });
        continue;
      }
      const marker = newMarker();
      await store.recordPending(host.hostId, appointmentId, request, { provider: name, marker }, this.deps.clock());
      let made: ProviderMeeting | null;
      try {
        made = await provider.create(host, request, marker);
      } catch (err) {
        made = await this.afterFailedCreate(host, appointmentId, provider, request, marker, err, reasons);
      }
      if (made) {
        const meeting = { provider: name, ...made };
        const fallbackReason = describeReasons(reasons);
        for (const r of reasons.slice(earlier.length)) this.deps.metrics?.providerPassedOver(r.provider, r.reason);
        this.deps.metrics?.meetingCreated(name, 'created');
        const event = outcome && this.event(outcome.type, host.hostId, appointmentId, meeting, request.startTime, { fallbackReason, ...outcome.extra });
        const row = await store.saveMeeting(host.hostId, appointmentId, request, meeting, fallbackReason, this.deps.clock(), event);
        return { row };
      }
    }
    for (const r of reasons.slice(earlier.length)) this.deps.metrics?.providerPassedOver(r.provider, r.reason);
    this.deps.metrics?.meetingCreated('none', 'no_provider');
    await store.recordEvent(this.event('appointment.meeting.failed', host.hostId, appointmentId, null, request.startTime, { reasons }));
    throw noProvider(reasons);
  }

  /** Null (with the reason recorded) when the chain may go on; the found meeting when the lost create had been made. */
  private async afterFailedCreate(
    host: MeetingHost,
    appointmentId: string,
    provider: MeetingProvider,
    request: AppointmentRequest,
    marker: string,
    err: unknown,
    reasons: ProviderReason[],
  ): Promise<ProviderMeeting | null> {
    if (!(err instanceof ProviderError)) {
      await this.deps.store.appointments.clearPending(host.hostId, appointmentId, this.deps.clock());
      throw err;
    }
    if (err.kind === 'unknown_outcome') {
      let found: ProviderMeeting | null;
      try {
        found = await provider.find(host, request, marker);
      } catch (findErr) {
        // Still unknown: the pending record stays for the next attempt to reconcile.
        throw this.outcomeUnknown(provider.name, findErr);
      }
      if (found) return found;
      reasons.push({ provider: provider.name, reason: 'unavailable' });
    } else {
      // An outage is `unavailable` (or `rate_limited`) whatever its detail, so the app can tell "later" from "never".
      const down = err.kind === 'unavailable' && err.reason !== 'rate_limited';
      reasons.push({ provider: provider.name, reason: down ? 'unavailable' : err.reason });
    }
    await this.deps.store.appointments.clearPending(host.hostId, appointmentId, this.deps.clock());
    return null;
  }

  /**
   * Cancels a meeting at `name`. When that provider can no longer act for
   * the host, a Zoom user's meeting can still be cancelled by the account.
   * `strict`: an outage is an error (DELETE answers 503); otherwise it is
   * logged and reported as not cancelled.
   */
  private async cancelAt(host: MeetingHost, name: MeetingProviderId, meetingId: string, strict: boolean): Promise<boolean> {
    const candidates = [name, ...(name === 'zoom_user' ? (['zoom_account'] as const) : [])];
    let last: unknown;
    for (const candidate of candidates) {
      const provider = this.deps.providers[candidate];
      if (!provider) continue;
      try {
        await provider.cancel(host, meetingId);
        return true;
      } catch (err) {
        last = err;
        if (!(err instanceof ProviderError)) throw err;
        if (err.kind === 'not_found') return true;
        if (err.kind !== 'cannot_serve' && strict) throw this.unservable(candidate, err);
      }
    }
    this.deps.logger.warn(
      { provider: name, meetingId, reason: last instanceof ProviderError ? last.reason : 'not_configured' },
      'could not cancel a meeting at its provider; it is no longer tracked',
    );
    return false;
  }

  private requireProvider(name: MeetingProviderId): MeetingProvider {
    const provider = this.deps.providers[name];
    if (!provider) throw new AppointmentError('meeting_provider_unavailable', `${name} is no longer configured.`, [{ provider: name, reason: 'not_configured' }], 60);
    return provider;
  }

  /** A provider failure where the chain does not fall through (an update, a cancel, a start link). */
  private unservable(name: MeetingProviderId, err: unknown): unknown {
    if (!(err instanceof ProviderError)) return err;
    if (err.kind === 'not_found') return new AppointmentError('appointment_meeting_not_found', `The meeting is gone at ${name}.`, [{ provider: name, reason: err.reason }]);
    if (err.kind === 'cannot_serve') {
      return new AppointmentError('no_meeting_provider', `${name} can no longer act for this host (${err.reason}).`, [{ provider: name, reason: err.reason }]);
    }
    return new AppointmentError('meeting_provider_unavailable', `${name} is not answering; try again shortly.`, [{ provider: name, reason: err.reason }], err.retryAfterSeconds ?? 5);
  }

  private outcomeUnknown(name: MeetingProviderId, err: unknown): unknown {
    if (err instanceof ProviderError || isOutage(err)) {
      return new AppointmentError(
        'meeting_provider_unavailable',
        `A meeting create at ${name} got no answer and ${name} cannot be asked whether it made it; retry later (it will be found, not made twice).`,
        [{ provider: name, reason: 'outcome_unknown' }],
        5,
      );
    }
    return err;
  }

  /** An outbox event: ids, provider and reasons, never a link, passcode or credential. */
  private event(
    type: AppointmentEventType,
    hostId: string,
    appointmentId: string,
    meeting: Pick<AppointmentMeetingDetails, 'provider' | 'meetingId'> | null,
    startTime: Date,
    extra: Record<string, unknown>,
  ): OutboxEvent {
    const id = newEventId();
    const occurredAt = this.deps.clock();
    const data = {
      id,
      type,
      version: APPOINTMENT_EVENT_VERSION,
      occurredAt: occurredAt.toISOString(),
      appUserId: hostId,
      appointmentId,
      provider: meeting?.provider ?? null,
      meetingId: meeting?.meetingId ?? null,
      startTime: startTime.toISOString(),
      ...extra,
    };
    // A payload that does not match its published schema never reaches the outbox.
    APPOINTMENT_EVENT_SCHEMAS[type].parse(data);
    return { id, type, appUserId: hostId, occurredAt, data };
  }
}

function isOutage(err: unknown): boolean {
  return err instanceof StoreUnavailableError || err instanceof StoreLockTimeoutError;
}

function noProvider(reasons: ProviderReason[]): AppointmentError {
  const down = reasons.filter((r) => r.reason === 'unavailable' || r.reason === 'rate_limited');
  if (down.length > 0) {
    return new AppointmentError('meeting_provider_unavailable', `No meeting provider could make the meeting now: ${describeReasons(reasons) ?? ''}.`, reasons, 5);
  }
  return new AppointmentError('no_meeting_provider', `No meeting provider can serve this host: ${describeReasons(reasons) ?? 'none configured'}.`, reasons);
}

function sameMeeting(row: AppointmentRequest, request: AppointmentRequest): boolean {
  return (
    row.topic === request.topic &&
    row.startTime.getTime() === request.startTime.getTime() &&
    row.durationMinutes === request.durationMinutes &&
    row.timezone === request.timezone &&
    row.agenda === request.agenda
  );
}

function view(row: AppointmentMeeting): AppointmentMeetingView {
  const meeting = row.meeting as NonNullable<AppointmentMeeting['meeting']>;
  return {
    appointmentId: row.appointmentId,
    provider: meeting.provider,
    meetingId: meeting.meetingId,
    joinUrl: meeting.joinUrl,
    ...(meeting.passcode === null ? {} : { passcode: meeting.passcode }),
    topic: row.topic,
    startTime: row.startTime.toISOString(),
    durationMinutes: row.durationMinutes,
    timezone: row.timezone,
    agenda: row.agenda,
    hostEmail: row.hostEmail,
    fallbackReason: row.fallbackReason,
  };
}

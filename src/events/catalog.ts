import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { OutboxEvent } from '../store/types.js';
import { APPOINTMENT_EVENT_SCHEMAS, APPOINTMENT_EVENT_TYPES, APPOINTMENT_EVENT_VERSION, type AppointmentEventType } from './appointment-events.js';

/**
 * The lifecycle events Zoom Connect tells the app about. Each type has a
 * schema (zod here, JSON Schema for receivers via `eventJsonSchemas()`);
 * `version` is bumped whenever a payload changes incompatibly, so a
 * receiver can tell which shape it holds.
 *
 * A payload names the app user and the Zoom identifiers the app needs to
 * reach that user's connection, never a token and never contact data
 * (no e-mail address, no device details).
 */
export const EVENT_SCHEMA_VERSION = 1;

export const CONNECTION_EVENT_TYPES = [
  'connection.connected',
  'connection.disconnected',
  'connection.deauthorized',
  'connection.needs_reauth',
  'connection.inactive',
  'connection.reactivated',
] as const;

export type ConnectionEventType = (typeof CONNECTION_EVENT_TYPES)[number];

/** Why the state changed; stable codes a receiver may switch on. */
export const CONNECTION_EVENT_REASONS = {
  'connection.connected': ['authorized'],
  'connection.disconnected': ['user_revoked'],
  'connection.deauthorized': ['app_deauthorized'],
  'connection.needs_reauth': ['invalid_grant', 'token_unreadable'],
  'connection.inactive': ['refresh_failures'],
  'connection.reactivated': ['refresh_succeeded'],
} as const satisfies Record<ConnectionEventType, readonly string[]>;

export type ConnectionEventReason<T extends ConnectionEventType = ConnectionEventType> = (typeof CONNECTION_EVENT_REASONS)[T][number];

const STATUS_OF = {
  'connection.connected': 'active',
  'connection.disconnected': 'revoked',
  'connection.deauthorized': 'deauthorized',
  'connection.needs_reauth': 'needs_reauth',
  'connection.inactive': 'inactive',
  'connection.reactivated': 'active',
} as const satisfies Record<ConnectionEventType, string>;

function connectionEventSchema<T extends ConnectionEventType>(type: T) {
  const reasons = CONNECTION_EVENT_REASONS[type] as readonly string[];
  const base = z.object({
    id: z.string().min(1).describe('Event id; also the webhook-id header, stable across retries'),
    type: z.literal(type),
    version: z.literal(EVENT_SCHEMA_VERSION),
    occurredAt: z.iso.datetime().describe('When the state change was committed (ISO-8601, UTC)'),
    appUserId: z.string().min(1).describe("The app's own user id (JWT sub / getUserId)"),
    zoomUserId: z.string().nullable().describe("Zoom's opaque user id, when known"),
    zoomAccountId: z.string().nullable().describe("Zoom's account id; null once Zoom's data-deletion rule applies (deauthorized)"),
    status: z.literal(STATUS_OF[type]).describe('The connection status after the change'),
    reason: z.enum(reasons as [string, ...string[]]),
  });
  return type === 'connection.connected'
    ? base.extend({ reconnect: z.boolean().describe('True when the user had connected before (any status)') }).strict()
    : base.strict();
}

export const CONNECTION_EVENT_SCHEMAS = {
  'connection.connected': connectionEventSchema('connection.connected'),
  'connection.disconnected': connectionEventSchema('connection.disconnected'),
  'connection.deauthorized': connectionEventSchema('connection.deauthorized'),
  'connection.needs_reauth': connectionEventSchema('connection.needs_reauth'),
  'connection.inactive': connectionEventSchema('connection.inactive'),
  'connection.reactivated': connectionEventSchema('connection.reactivated'),
} satisfies Record<ConnectionEventType, z.ZodType>;

export interface ConnectionEventData {
  id: string;
  type: ConnectionEventType;
  version: typeof EVENT_SCHEMA_VERSION;
  occurredAt: string;
  appUserId: string;
  zoomUserId: string | null;
  zoomAccountId: string | null;
  status: string;
  reason: string;
  reconnect?: boolean;
}

/** Standard Webhooks suggests prefixed ids; a UUID keeps them unguessable and unique across instances. */
export function newEventId(): string {
  return `evt_${randomUUID().replaceAll('-', '')}`;
}

export interface ConnectionEventInput<T extends ConnectionEventType> {
  type: T;
  reason: ConnectionEventReason<T>;
  appUserId: string;
  zoomUserId: string | null;
  zoomAccountId: string | null;
  occurredAt: Date;
  reconnect?: boolean;
}

/** Builds a connection event and checks it against its own schema, so a malformed payload never reaches the outbox. */
export function connectionEvent<T extends ConnectionEventType>(input: ConnectionEventInput<T>): OutboxEvent {
  const id = newEventId();
  const data: ConnectionEventData = {
    id,
    type: input.type,
    version: EVENT_SCHEMA_VERSION,
    occurredAt: input.occurredAt.toISOString(),
    appUserId: input.appUserId,
    zoomUserId: input.zoomUserId,
    // Zoom's data-deletion rule: nothing of the account is kept once Zoom says the app was removed.
    zoomAccountId: input.type === 'connection.deauthorized' ? null : input.zoomAccountId,
    status: STATUS_OF[input.type],
    reason: input.reason,
    ...(input.type === 'connection.connected' ? { reconnect: input.reconnect ?? false } : {}),
  };
  CONNECTION_EVENT_SCHEMAS[input.type].parse(data);
  return { id, type: input.type, appUserId: input.appUserId, occurredAt: input.occurredAt, data: { ...data } };
}

/** JSON Schema (draft 2020-12) of every event's `data`, keyed by type: what docs and receivers validate against. */
export function eventJsonSchemas(): Map<ConnectionEventType | AppointmentEventType, Record<string, unknown>> {
  const schema = (t: string, version: number, zod: z.ZodType): Record<string, unknown> => ({
    $id: `https://zoom-connect.dev/schemas/events/${t}.v${version}.json`,
    title: t,
    ...z.toJSONSchema(zod),
  });
  return new Map<ConnectionEventType | AppointmentEventType, Record<string, unknown>>([
    ...CONNECTION_EVENT_TYPES.map((t) => [t, schema(t, EVENT_SCHEMA_VERSION, CONNECTION_EVENT_SCHEMAS[t])] as const),
    ...APPOINTMENT_EVENT_TYPES.map((t) => [t, schema(t, APPOINTMENT_EVENT_VERSION, APPOINTMENT_EVENT_SCHEMAS[t])] as const),
  ]);
}

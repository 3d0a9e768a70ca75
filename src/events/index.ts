export { LifecycleEvents, type LifecycleEventsOptions } from './lifecycle-events.js';
export { EventHandlers, type DeliveredEvent, type EventHandler, type EventSelector } from './handlers.js';
export {
  CONNECTION_EVENT_REASONS,
  CONNECTION_EVENT_SCHEMAS,
  CONNECTION_EVENT_TYPES,
  EVENT_SCHEMA_VERSION,
  connectionEvent,
  eventJsonSchemas,
  newEventId,
  type ConnectionEventData,
  type ConnectionEventType,
} from './catalog.js';
export { APPOINTMENT_EVENT_SCHEMAS, APPOINTMENT_EVENT_TYPES, APPOINTMENT_EVENT_VERSION, type AppointmentEventType } from './appointment-events.js';
export { StandardWebhookSigner, parseWebhookSecret, WebhookSecretError, type SignedHeaders } from './standard-webhooks.js';
export { webhookBody } from './webhook-sender.js';
export { DeliveryError } from './delivery-error.js';
export { EventMetrics } from './metrics.js';
export { insertEvent } from '../store/repositories/outbox.js';

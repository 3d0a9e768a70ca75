import type { FastifyInstance } from 'fastify';
import { faultSchema } from './faults.js';
import { renderEvent } from './render.js';
import { sendGoogleError } from './replies.js';
import type { GoogleEmulatorState } from './state.js';

/** Test controls under /_emulator/. Not Google: JSON in, JSON out, errors in the Calendar API's shape. */
export function registerControlRoutes(app: FastifyInstance, state: GoogleEmulatorState): void {
  app.post('/reset', () => {
    state.reset();
    return { status: 'reset' };
  });

  app.get('/faults', () => ({ faults: state.faults, rateLimitRemaining: state.rateLimitRemaining, cutInsertsRemaining: state.cutInsertsRemaining }));

  /** Replaces the fault configuration; `{}` clears it. */
  app.post('/faults', (request, reply) => {
    const parsed = faultSchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      const fields = [
        ...new Set(parsed.error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys : [issue.path.map(String).join('.') || 'body']))),
      ];
      return sendGoogleError(reply, 400, 'invalid', `Invalid fault configuration: ${fields.join(', ')}`);
    }
    state.setFaults(parsed.data);
    return { faults: state.faults };
  });

  app.get('/stats', () => state.stats);

  /** Every stored event, deleted ones included, as the API would show them (without counting as a read). */
  app.get('/events', () => ({
    events: [...state.calendars.values()].flatMap((events) =>
      [...events.values()].map((event) => ({
        calendar: event.calendar,
        ...renderEvent({ ...event, conference: event.conference && { ...event.conference } }, state.baseUrl),
      })),
    ),
  }));

  /** Every issued access token stops working (the next API call answers 401). */
  app.post('/expire-tokens', () => {
    state.expireTokens();
    return { status: 'expired' };
  });
}

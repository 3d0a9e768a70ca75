import type { FastifyRequest, preValidationHookHandler } from 'fastify';
import type { AppointmentMeetings } from '../appointments/index.js';
import type { Connections } from '../connections/index.js';
// Bring in the request/reply and schema augmentations the routes rely on.
import type {} from '@fastify/swagger';
import type {} from '@fastify/rate-limit';

export interface RouteRateLimit {
  max: number;
  timeWindow: number;
}

/** How the host app plugs Zoom Connect into its server. */
export interface ZoomConnectPluginOptions {
  connections: Connections;
  /** Appointment meetings (`/api/appointments/{id}/meeting`); absent, those routes are not registered. */
  appointments?: AppointmentMeetings;
  /**
   * The signed-in app user of a request, at once or by a promise (answering
   * at once spares every request a promise), or null when there is none (→ 401
   * on the user routes; at the callback, null means "no session visible
   * here" and skips `checkCallbackUser`). A thrown error is treated as a
   * fault of the host's auth (→ 503), so return null for "not signed in".
   */
  getUserId: (request: FastifyRequest) => string | null | undefined | Promise<string | null | undefined>;
  /**
   * Default true: when `getUserId` finds a signed-in user at the callback
   * (a host session cookie reaches Zoom's redirect), that user must be the
   * one who began the flow, or the callback is refused `state_user_mismatch`.
   * A null user (no session visible there) is not checked. Set false only
   * where `getUserId` cannot work at the callback (bearer tokens: it would
   * refuse every callback as unauthenticated).
   */
  checkCallbackUser?: boolean;
  postConnectRedirectUrl: string;
  postConnectRedirectAllowList?: string[];
  /** Serve the binding cookie as `__Host-`/Secure: true whenever the redirect URI is https. */
  secureCookies: boolean;
  /** Zoom's webhook secret token; without it POST /api/zoom/webhooks answers 404. */
  webhookSecretToken?: string;
  /** Our Zoom client id: events for another app are ignored. */
  clientId: string;
  /**
   * Exact origins (`https://app.example.com`) whose pages may send the
   * user routes' POSTs from another origin, as a frontend the host already
   * serves with credentialed CORS. Every other cross-site or cross-origin
   * POST from a browser is refused (CSRF). Default: none.
   */
  trustedOrigins?: string[];
  /** Per-IP limits on the connect routes; false turns them off (benchmarks). */
  rateLimit?: { authorize: RouteRateLimit; callback: RouteRateLimit } | false;
}

export interface ResolvedPluginOptions {
  getUserId: ZoomConnectPluginOptions['getUserId'];
  checkCallbackUser: boolean;
  postConnectRedirectUrl: string;
  postConnectRedirectAllowList: string[];
  secureCookies: boolean;
  rateLimit: { authorize: RouteRateLimit | false; callback: RouteRateLimit | false };
  /** A preValidation hook: sets `request.appUserId`, or fails the request (401; 400 for an id no route may use). */
  requireUser: preValidationHookHandler;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireUser` on routes that act for an app user. */
    appUserId: string;
  }
}

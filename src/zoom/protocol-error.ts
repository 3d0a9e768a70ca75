import { ZoomError } from './errors.js';

/**
 * Zoom answered, but not with what the protocol promises: a token response
 * without `access_token`, an `expires_in` that is not a positive number, a
 * user without an id. Neither an outage (retrying the same call gets the same
 * answer) nor the user's fault, so it never counts toward `inactive`. The
 * message names the field, what was expected and the rule that expects it;
 * it never quotes the value (it may be a token).
 */
export class ZoomProtocolError extends ZoomError {
  constructor(
    readonly where: string,
    readonly field: string,
    readonly expected: string,
    readonly rule: string,
    readonly status: number,
    trackingId: string | undefined,
  ) {
    super(`Zoom's ${where} is malformed: "${field}" must be ${expected} (${rule})`, trackingId);
  }
}

/** RFC 6749 §5.1: the successful token response. */
export const TOKEN_RESPONSE_RULE = 'RFC 6749 §5.1, https://www.rfc-editor.org/rfc/rfc6749#section-5.1';
/** Zoom's `GET /users/me` always identifies the user. */
export const USERS_ME_RULE = 'Zoom API, GET /users/me, https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId}';

import { GoogleError, GoogleUnavailableError } from './errors.js';

/**
 * Where the Calendar client gets an access token that acts as a host. Two
 * kinds: a service account with domain-wide delegation (ServiceAccountTokenSource)
 * or the host application's own function (functionTokenSource).
 */
export interface GoogleTokenSource {
  /**
   * A valid access token acting as `hostEmail`. `refused` is a token Google
   * just answered 401 to: the source must not hand it out again.
   * Throws GoogleHostNotServableError when this host cannot be served.
   */
  getAccessToken(hostEmail: string, refused?: string): Promise<string>;
}

/** A host-supplied function returning a Google access token for a host. */
export type GoogleAccessTokenFunction = (hostEmail: string) => Promise<string>;

/**
 * Wraps a host application's function. It is called for every request, so it
 * should cache; after a 401 it is called once more and must then return a
 * fresh token. To say a host cannot be served, throw GoogleHostNotServableError;
 * any other failure counts as Google being unavailable for now. Its own error
 * message is not repeated (it may hold anything), only the error's name.
 */
export function functionTokenSource(getAccessToken: GoogleAccessTokenFunction): GoogleTokenSource {
  return {
    getAccessToken: async (hostEmail) => {
      let token: unknown;
      try {
        token = await getAccessToken(hostEmail);
      } catch (err) {
        if (err instanceof GoogleError) throw err;
        throw new GoogleUnavailableError(`The host's Google token function failed (${err instanceof Error ? err.name : typeof err})`, undefined, false);
      }
      if (typeof token !== 'string' || token === '') throw new GoogleUnavailableError("The host's Google token function returned no token", undefined, false);
      return token;
    },
  };
}

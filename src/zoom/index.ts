export * from './errors.js';
export * from './transport.js';
export * from './oauth-client.js';
export * from './api-client.js';
export * from './scopes.js';
export { parseRetryAfter, secondsUntilUtcMidnight } from './retry-after.js';
export * from './s2s-client.js';
export * from './protocol-error.js';
export * from './webhook-signature.js';

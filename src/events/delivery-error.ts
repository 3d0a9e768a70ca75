/** A receiver did not take an event; the worker retries it. The message is stored (`last_error`), so it never holds a secret or the URL. */
export class DeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}

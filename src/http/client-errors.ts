import type { Socket } from 'node:net';
import { problem, type HttpProblemCode } from './problem.js';

/**
 * Requests Node's HTTP parser refuses before any route sees them (headers
 * too large, malformed request line, timeouts) still get problem+json.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, detail]: [number, HttpProblemCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'validation_failed', 'The request headers (or URL) are too large.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'validation_failed', 'The request took too long to arrive.']
        : [400, 'validation_failed', 'The request is not valid HTTP.'];
  const body = JSON.stringify({ ...problem(code, detail), status });
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
      `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

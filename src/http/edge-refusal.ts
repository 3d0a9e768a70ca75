import type { HttpProblemCode } from './problem.js';

/**
 * A request the HTTP edge refuses on its own account (how it arrived, not
 * what the domain thinks of it), answered with exactly this problem code.
 */
export class EdgeRefusal extends Error {
  constructor(
    readonly problemCode: HttpProblemCode,
    message: string,
  ) {
    super(message);
    this.name = 'EdgeRefusal';
  }
}

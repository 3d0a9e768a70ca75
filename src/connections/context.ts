/** Who asked, for the audit trail and device info. Never holds credentials. */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
}

export const NO_CONTEXT: RequestContext = { ip: null, userAgent: null };

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

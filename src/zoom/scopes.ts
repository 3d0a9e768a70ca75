/**
 * Zoom apps carry either classic scopes (`meeting:read`) or granular ones
 * (`meeting:read:list_meetings`). A classic scope covers every granular
 * scope that starts with it, and `:admin` variants cover the user ones.
 */
export function parseScopes(scope: string | undefined): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(/[\s,]+/).filter(Boolean))];
}

/** True when `granted` satisfies any one of `acceptable` (alternatives for one endpoint). */
export function hasAnyScope(granted: readonly string[], acceptable: readonly string[]): boolean {
  return acceptable.some((needed) => granted.some((g) => covers(g, needed)));
}

function covers(granted: string, needed: string): boolean {
  if (granted === needed) return true;
  const plain = granted.replace(/:admin(?=$|:)/, '');
  return plain === needed || needed.startsWith(`${plain}:`);
}

/** The scopes each operation accepts, classic first. */
export const REQUIRED_SCOPES = {
  profile: ['user:read', 'user:read:user'],
  listMeetings: ['meeting:read', 'meeting:read:list_meetings'],
  createMeeting: ['meeting:write', 'meeting:write:meeting'],
  listRecordings: ['recording:read', 'cloud_recording:read:list_user_recordings'],
} as const satisfies Record<string, readonly string[]>;

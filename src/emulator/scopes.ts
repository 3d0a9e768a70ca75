/**
 * Which scopes open which endpoint. A classic scope (`meeting:read`) covers its
 * granular ones; a classic write scope also reads; `:admin` variants cover the
 * plain ones. The 4711 message names the granular scopes, as Zoom's does.
 */
export interface EndpointScopes {
  classic: string[];
  granular: string[];
}

function withAdmin(scopes: string[]): string[] {
  return scopes.flatMap((scope) => [scope, `${scope}:admin`]);
}

export const SCOPES = {
  readUser: { classic: withAdmin(['user:read', 'user:write']).concat('user_profile'), granular: withAdmin(['user:read:user']) },
  listMeetings: { classic: withAdmin(['meeting:read', 'meeting:write']), granular: withAdmin(['meeting:read:list_meetings']) },
  createMeeting: { classic: withAdmin(['meeting:write']), granular: withAdmin(['meeting:write:meeting']) },
  readMeeting: { classic: withAdmin(['meeting:read', 'meeting:write']), granular: withAdmin(['meeting:read:meeting']) },
  updateMeeting: { classic: withAdmin(['meeting:write']), granular: withAdmin(['meeting:update:meeting']) },
  deleteMeeting: { classic: withAdmin(['meeting:write']), granular: withAdmin(['meeting:delete:meeting']) },
  listRecordings: {
    classic: withAdmin(['recording:read', 'recording:write']),
    granular: withAdmin(['cloud_recording:read:list_user_recordings']),
  },
} satisfies Record<string, EndpointScopes>;

export function grantsAccess(tokenScopes: readonly string[], endpoint: EndpointScopes): boolean {
  return tokenScopes.some((scope) => endpoint.classic.includes(scope) || endpoint.granular.includes(scope));
}

export function missingScopeMessage(endpoint: EndpointScopes): string {
  return `Invalid access token, does not contain scopes:[${endpoint.granular.join(', ')}].`;
}

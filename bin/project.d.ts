/** Types of bin/project.js (plain JavaScript: it must run before any TypeScript loader exists). */
export function importProject(relative: string): Promise<Record<string, unknown>>;
export function isBuildFresh(root: string): boolean;

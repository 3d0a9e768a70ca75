#!/usr/bin/env node
// The CLI: compiled JavaScript when `npm install` built it and it is up to
// date, the TypeScript sources through tsx otherwise (bin/project.js), so
// `npx zoom-connect ...` works right after `npm install` with no build step.
import { importProject } from './project.js';

const { main } = await importProject('cli/main');
process.exitCode = await main(process.argv.slice(2));

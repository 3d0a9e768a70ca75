/**
 * Where an app process spent its CPU: `node --import tsx bench/profile-report.ts FILE.cpuprofile [TOP]`
 * on a profile written by `npm run bench -- --cpu-prof`.
 */
import { renderProfileSummary, summarizeProfile } from './lib/cpuprofile.js';

const [file, top] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node --import tsx bench/profile-report.ts FILE.cpuprofile [TOP]\n');
  process.exit(2);
}
process.stdout.write(`${renderProfileSummary(await summarizeProfile(file, Number(top ?? '25')))}\n`);

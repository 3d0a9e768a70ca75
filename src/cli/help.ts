/** `zoom-connect --help` and `zoom-connect COMMAND --help`: printed, never running the command. */
import { EVENTS_USAGE } from './events-command.js';

export const USAGE = `Usage: zoom-connect <command> [options]

Commands:
  serve          Start the service (demo mode with no Zoom credentials: emulator + embedded database)
  emulator       Run the Zoom emulator alone
  google-emulator  Run the Google Calendar emulator (--port N --service-account-out FILE [--domain D])
  migrate        Apply pending database migrations and say which
  rotate-keys    Re-encrypt every stored token under the current key (first of TOKEN_ENCRYPTION_KEYS)
  doctor         Check configuration, database, migrations, key ring, Zoom credentials and redirect URI
  generate-key   Print a new encryption key entry for TOKEN_ENCRYPTION_KEYS
  connections    List connections, or show one (status, Zoom ids, failure counts; never a token)
  events         List lifecycle events (pending, delivered, dead), replay dead ones, print their schemas

Options:
  --version      Print the version
  --help         Print this text; "zoom-connect COMMAND --help" describes one command

Configuration is read from the environment; see README.md and docs/operations.md.
`;

export const COMMAND_HELP: Readonly<Record<string, string>> = {
  events: `${EVENTS_USAGE}\n`,
  serve: `Usage: zoom-connect serve

Starts the HTTP service on HOST:PORT (and the operations endpoints on OPS_PORT
when set). Without Zoom credentials outside production it runs the demo: the
Zoom emulator in-process and an embedded database in DATA_DIR.
Stops on SIGINT or SIGTERM after in-flight requests finish.
`,
  migrate: `Usage: zoom-connect migrate

Applies pending database migrations (DATABASE_URL, or the embedded database in
DATA_DIR) and prints each one applied, or that nothing was pending. Safe while
other instances run on PostgreSQL; refused while another process holds an
embedded DATA_DIR.
`,
  'rotate-keys': `Usage: zoom-connect rotate-keys [--batch-size=N]

Re-encrypts every stored token and PKCE verifier under the current key (the
first entry of TOKEN_ENCRYPTION_KEYS); older keys must stay listed until it
reports remaining: 0. Prints a JSON report. Safe while the service runs on
PostgreSQL. --batch-size: rows per transaction, 1-10000 (default 200).
`,
  doctor: `Usage: zoom-connect doctor

Checks, one line each, exiting non-zero if any fails:
  config          the environment parses (every problem listed)
  redirect URI    ZOOM_REDIRECT_URI's path is the callback route
  database        the database answers
  migrations      every migration is applied
  encryption keys every key id found in stored data is in TOKEN_ENCRYPTION_KEYS
  zoom oauth      Zoom's OAuth host answers, and accepts the client credentials
                  (a refresh with a dummy token: invalid_grant means accepted,
                  invalid_client means the id or secret is wrong)
Meant for a real configuration: in demo mode the emulator is not running.
`,
  'generate-key': `Usage: zoom-connect generate-key [KID]

Prints one "kid:base64-of-32-random-bytes" entry for TOKEN_ENCRYPTION_KEYS.
KID defaults to "k" and today's date (k20260131); 1-32 of A-Z a-z 0-9 . _ -.
To rotate: put the new entry first, keep the old ones after it, restart every
instance, then run zoom-connect rotate-keys.
`,
  connections: `Usage: zoom-connect connections list [--status=STATUS] [--limit=N]
       zoom-connect connections show USER_ID

list: one line per connection (user id, status, Zoom user id, consecutive
refresh failures, last refresh), ordered by user id; --status filters
(active, needs_reauth, inactive, revoked, deauthorized); --limit defaults to 100.
show: every field of one connection except its tokens, which are never printed.
`,
};

/** Whether argv asks for help rather than for the command to run. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

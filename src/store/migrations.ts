/**
 * The one schema, as ordered migrations that run unchanged on PostgreSQL 15+
 * and PGlite. Never edit a released migration: append a new one.
 *
 * Every sealed column holds `v1.<kid>.<base64url>` (see src/crypto); the
 * *_kid columns repeat the key id so rotation finds old rows through an index
 * without decrypting anything.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'connections, oauth_states, audit_events',
    sql: `
CREATE TABLE connections (
  user_id                  text PRIMARY KEY,
  status                   text NOT NULL
                           CHECK (status IN ('active', 'needs_reauth', 'inactive', 'revoked', 'deauthorized')),
  zoom_user_id             text,
  zoom_email               text,
  zoom_account_id          text,
  api_url                  text,
  access_token_enc         text,
  refresh_token_enc        text,
  token_kid                text,
  access_token_expires_at  timestamptz,
  granted_scopes           text[] NOT NULL DEFAULT '{}',
  refresh_failure_count    integer NOT NULL DEFAULT 0 CHECK (refresh_failure_count >= 0),
  last_refresh_attempt_at  timestamptz,
  last_refresh_error       text,
  last_refreshed_at        timestamptz,
  refresh_blocked_until    timestamptz,
  sweep_lease_until        timestamptz,
  last_used_at             timestamptz,
  authorized_at            timestamptz,
  revoked_at               timestamptz,
  device_user_agent        text,
  device_ip                text,
  version                  bigint NOT NULL DEFAULT 1,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  -- Both tokens are written and wiped together, under one key id.
  CONSTRAINT connections_tokens_together CHECK (
    (access_token_enc IS NULL) = (refresh_token_enc IS NULL)
    AND (access_token_enc IS NULL) = (token_kid IS NULL)
  ),
  CONSTRAINT connections_disconnected_without_tokens CHECK (
    status NOT IN ('revoked', 'deauthorized') OR access_token_enc IS NULL
  )
);

-- app_deauthorized arrives with Zoom's user id.
CREATE INDEX connections_zoom_user_id_idx ON connections (zoom_user_id) WHERE zoom_user_id IS NOT NULL;

-- The sweeper's scan: active connections ordered by when they last got fresh tokens.
CREATE INDEX connections_sweep_idx ON connections ((coalesce(last_refreshed_at, authorized_at)))
  WHERE status = 'active';

-- Rotation finds rows under an old key.
CREATE INDEX connections_token_kid_idx ON connections (token_kid) WHERE token_kid IS NOT NULL;

CREATE TABLE oauth_states (
  state_hash         text PRIMARY KEY,
  user_id            text NOT NULL,
  binding_hash       text NOT NULL,
  code_verifier_enc  text NOT NULL,
  code_verifier_kid  text NOT NULL,
  return_to          text,
  expires_at         timestamptz NOT NULL,
  consumed_at        timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX oauth_states_expires_at_idx ON oauth_states (expires_at);
CREATE INDEX oauth_states_kid_idx ON oauth_states (code_verifier_kid);

CREATE TABLE audit_events (
  id          bigserial PRIMARY KEY,
  user_id     text,
  event       text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  ip          text,
  user_agent  text,
  details     jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX audit_events_user_at_idx ON audit_events (user_id, at DESC, id DESC);
`,
  },
  {
    version: 2,
    name: 'event_outbox',
    sql: `
-- Lifecycle events, written in the same transaction as the change they
-- report (a transactional outbox) and delivered at least once from there.
CREATE TABLE event_outbox (
  id               text PRIMARY KEY,
  -- Commit order per app user: a user's changes are serialized by the
  -- connection's lock, so a later change always gets a larger seq.
  seq              bigserial NOT NULL UNIQUE,
  type             text NOT NULL,
  app_user_id      text NOT NULL,
  occurred_at      timestamptz NOT NULL,
  data             jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  -- A claim outlives its short transaction; a killed instance's lease expires.
  lease_until      timestamptz,
  lease_owner      text,
  last_error       text,
  delivered_at     timestamptz,
  dead_at          timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- The claim: each user's oldest pending event, and whether an older one is still pending.
CREATE INDEX event_outbox_pending_user_seq_idx ON event_outbox (app_user_id, seq) WHERE status = 'pending';
CREATE INDEX event_outbox_pending_due_idx ON event_outbox (next_attempt_at, seq) WHERE status = 'pending';
-- Listing and replaying dead letters; purging old deliveries.
CREATE INDEX event_outbox_status_seq_idx ON event_outbox (status, seq);
CREATE INDEX event_outbox_delivered_at_idx ON event_outbox (delivered_at) WHERE status = 'delivered';
`,
  },
  {
    version: 3,
    name: 'appointment_meetings, zoom_s2s_tokens',
    sql: `
-- One meeting per appointment of a host. The meeting columns describe the
-- meeting that exists at its provider; the pending_* columns record a create
-- that was sent but whose outcome is not known yet (written and committed
-- before the provider is called, so a lost answer or a crash leaves a trace
-- that the next attempt reconciles before creating anything).
CREATE TABLE appointment_meetings (
  host_id            text NOT NULL,
  appointment_id     text NOT NULL,
  provider           text CHECK (provider IN ('zoom_user', 'zoom_account', 'google_meet')),
  meeting_id         text,
  join_url           text,
  passcode           text,
  topic              text NOT NULL,
  start_time         timestamptz NOT NULL,
  duration_minutes   integer NOT NULL CHECK (duration_minutes > 0),
  timezone           text NOT NULL,
  agenda             text,
  host_email         text,
  fallback_reason    text,
  pending_provider   text CHECK (pending_provider IN ('zoom_user', 'zoom_account', 'google_meet')),
  pending_marker     text,
  version            bigint NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (host_id, appointment_id),
  CONSTRAINT appointment_meetings_meeting_together CHECK ((provider IS NULL) = (meeting_id IS NULL)),
  CONSTRAINT appointment_meetings_pending_together CHECK ((pending_provider IS NULL) = (pending_marker IS NULL))
);

-- The Server-to-Server token Zoom gives the account: one shared by every
-- instance, sealed like the user tokens (table, column and account id bound in).
CREATE TABLE zoom_s2s_tokens (
  account_id         text PRIMARY KEY,
  access_token_enc   text,
  token_kid          text,
  expires_at         timestamptz,
  fetched_at         timestamptz,
  version            bigint NOT NULL DEFAULT 1,
  CONSTRAINT zoom_s2s_tokens_together CHECK ((access_token_enc IS NULL) = (token_kid IS NULL))
);
`,
  },
];

/**
 * Key of the transaction-level advisory lock that serializes migrate() across
 * instances starting together. Transaction-level, so it works behind a
 * transaction-pooling PgBouncer and is released by COMMIT or a dropped connection.
 */
export const MIGRATION_LOCK_KEY = 7_460_125_911_843_001;

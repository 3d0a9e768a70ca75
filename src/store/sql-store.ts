import type { TokenCipher } from '../crypto/index.js';
import { takeCensus, type ConnectionCensus } from './census.js';
import type { Db, Driver, StoreLogger } from './db.js';
import { applyMigrations } from './migrate.js';
import type { RefreshLocker } from './refresh-lock.js';
import { SqlAppointmentMeetingRepository, SqlS2STokenRepository } from './repositories/appointments.js';
import { SqlAuditRepository } from './repositories/audit.js';
import { SqlConnectionRepository } from './repositories/connections.js';
import { SqlOAuthStateRepository } from './repositories/oauth-states.js';
import { SqlOutboxRepository } from './repositories/outbox.js';
import { rotateKeys } from './rotation.js';
import { DEFAULT_LOCK_TIMEOUT_MS, PING_TIMEOUT_MS } from './timeouts.js';
import type { RotationReport, Store } from './types.js';

/** The Store over either driver: everything but the refresh lock is the same SQL. */
export class SqlStore implements Store {
  readonly kind: 'postgres' | 'pglite';
  readonly connections: SqlConnectionRepository;
  readonly states: SqlOAuthStateRepository;
  readonly audit: SqlAuditRepository;
  readonly appointments: SqlAppointmentMeetingRepository;
  readonly s2sTokens: SqlS2STokenRepository;
  readonly outbox: SqlOutboxRepository;

  constructor(
    private readonly driver: Driver,
    private readonly cipher: TokenCipher,
    private readonly locker: RefreshLocker,
    private readonly logger: StoreLogger,
    private readonly options: { lockTimeoutMs?: number; appointmentLockSlots?: number } = {},
    private readonly ownsDriver = true,
  ) {
    this.kind = driver.kind;
    this.outbox = new SqlOutboxRepository(driver);
    this.connections = new SqlConnectionRepository(driver, cipher, locker, logger, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, this.outbox);
    this.states = new SqlOAuthStateRepository(driver, cipher);
    this.audit = new SqlAuditRepository(driver);
    this.appointments = new SqlAppointmentMeetingRepository(driver, this.outbox, options.appointmentLockSlots ?? 1);
    this.s2sTokens = new SqlS2STokenRepository(driver, cipher, locker, logger);
  }

  /** Raw SQL access for tooling and tests; the domain uses the repositories. */
  get db(): Db {
    return this.driver;
  }

  /**
   * The same database and refresh locks under another key ring (rotate-keys
   * with a new ring while this store serves). Closing the view leaves the
   * database open.
   */
  withCipher(cipher: TokenCipher): SqlStore {
    return new SqlStore(this.driver, cipher, this.locker, this.logger, this.options, false);
  }

  async migrate(): Promise<void> {
    await applyMigrations(this.driver, this.logger, this.driver.schema);
  }

  ping(): Promise<void> {
    return this.driver.ping(PING_TIMEOUT_MS);
  }

  census(): Promise<ConnectionCensus> {
    return takeCensus(this.driver);
  }

  rotateKeys(batchSize: number): Promise<RotationReport> {
    return rotateKeys(this.driver, this.cipher, this.logger, batchSize);
  }

  async close(): Promise<void> {
    if (this.ownsDriver) await this.driver.close();
  }
}

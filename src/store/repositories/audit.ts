import type { Db } from '../db.js';
import type { AuditEvent, AuditRepository } from '../types.js';

interface AuditRow {
  user_id: string | null;
  event: string;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown> | null;
  at: Date;
}

export class SqlAuditRepository implements AuditRepository {
  constructor(private readonly db: Db) {}

  async record(event: AuditEvent): Promise<void> {
    // Sent as text and cast in SQL: `pg` and PGlite serialize object parameters differently.
    await this.db.query(
      'INSERT INTO audit_events (user_id, event, at, ip, user_agent, details) VALUES ($1, $2, $3, $4, $5, ($6::text)::jsonb)',
      [event.userId, event.event, event.at, event.ip, event.userAgent, JSON.stringify(event.details)],
    );
  }

  async listForUser(userId: string, limit: number): Promise<AuditEvent[]> {
    const { rows } = await this.db.query<AuditRow>(
      'SELECT user_id, event, at, ip, user_agent, details FROM audit_events WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2',
      [userId, limit],
    );
    return rows.map((r) => ({
      userId: r.user_id,
      event: r.event,
      at: r.at,
      ip: r.ip,
      userAgent: r.user_agent,
      details: r.details ?? {},
    }));
  }
}

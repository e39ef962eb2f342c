import type { Database } from 'better-sqlite3'
import { prepare } from '../../../../node/sqlite/statements'

/** How long the withdrawing device keeps the original text for "Re-edit". */
export const REEDIT_KEEP_MS = 5 * 60_000

export function putDraft(db: Database, msgId: string, text: string, expiresAt: number): void {
  prepare(
    db,
    `INSERT INTO reedit_drafts (msg_id, text, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (msg_id) DO UPDATE SET text = excluded.text, expires_at = excluded.expires_at`,
  ).run(msgId, text, expiresAt)
}

/** The draft text while it has not expired. */
export function getLiveDraft(db: Database, msgId: string, now: number): string | null {
  const r = prepare<[string, number], { text: string }>(
    db,
    'SELECT text FROM reedit_drafts WHERE msg_id = ? AND expires_at > ?',
  ).get(msgId, now)
  return r?.text ?? null
}

/** Delete every expired draft; returns their message ids. */
export function deleteExpiredDrafts(db: Database, now: number): string[] {
  return prepare<[number], { msg_id: string }>(db, 'DELETE FROM reedit_drafts WHERE expires_at <= ? RETURNING msg_id')
    .all(now)
    .map((r) => r.msg_id)
}

export function nextDraftExpiry(db: Database): number | null {
  const r = prepare<[], { at: number | null }>(db, 'SELECT min(expires_at) AS at FROM reedit_drafts').get()
  return r?.at ?? null
}

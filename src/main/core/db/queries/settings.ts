import type { Database } from 'better-sqlite3'
import { prepare } from '../../../../node/sqlite/statements'

/** Every stored preference, as JSON text by key (the service validates what it reads). */
export function readSettingValues(db: Database): Map<string, string> {
  const rows = prepare<[], { key: string; value: string }>(db, 'SELECT key, value FROM settings').all()
  return new Map(rows.map((r) => [r.key, r.value]))
}

export function writeSettingValue(db: Database, key: string, value: string): void {
  prepare(db, 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
    key,
    value,
  )
}

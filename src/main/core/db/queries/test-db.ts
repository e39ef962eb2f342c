import { rmSync } from 'node:fs'
import type { Database } from 'better-sqlite3'
import { tempProfile } from '../../testing/harness'
import { openDatabase } from '../open'
import { ensureConversation } from './conversations'

/** A fresh migrated database in its own profile directory, with one 1:1 conversation. */
export function testDb(): { db: Database; dir: string; dispose(): void } {
  const dir = tempProfile('parley-queries-')
  const db = openDatabase({ profileDir: dir })
  ensureConversation(db, { id: 'dm:alice:bob', kind: 'direct', peer: 'bob', title: 'bob', createdAt: 1 })
  return {
    db,
    dir,
    dispose() {
      if (this.db.open) this.db.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

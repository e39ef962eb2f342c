import fs from 'node:fs'
import { openDatabase } from '../src/main/core/db/open'
import { getMessage } from '../src/main/core/db/queries/messages'
import { buildProfile } from './lib/profile'
import { summarize } from './lib/stats'
const dir = fs.mkdtempSync('/dev/shm/fts-')
const built = buildProfile(dir, { me: 'alice', peers: ['bob'], count: 1_000_000 })
const db = openDatabase({ profileDir: dir })
db.pragma('wal_autocheckpoint = 0')
const del = db.prepare('DELETE FROM messages_fts WHERE rowid = ?')
const ids = built.fromFirstPeer.slice(-3000)
for (const mode of ['default', 'deletemerge=0']) {
  if (mode !== 'default') db.prepare("INSERT INTO messages_fts (messages_fts, rank) VALUES ('deletemerge', 0)").run()
  const t: number[] = []
  const part = mode === 'default' ? ids.slice(0, 1000) : ids.slice(1000, 2000)
  for (let i = 0; i < part.length; i++) {
    const m = getMessage(db, part[(i * 7919) % part.length]!.id)!
    const s = performance.now(); db.transaction(() => del.run(m.rowId))(); t.push(performance.now() - s)
  }
  const r = summarize(t); console.log(mode, 'p50', r.p50.toFixed(3), 'p99', r.p99.toFixed(3), 'max', r.max.toFixed(1), '>5ms', t.filter((x) => x > 5).length)
  db.pragma('wal_checkpoint(TRUNCATE)')
}
{
  const rdel = db.prepare('DELETE FROM messages WHERE row_id = ?')
  const t: number[] = []
  for (const ref of ids.slice(2000, 3000)) { const s = performance.now(); db.transaction(() => rdel.run(ref.rowId))(); t.push(performance.now() - s) }
  const r = summarize(t); console.log('plain row', 'p50', r.p50.toFixed(3), 'p99', r.p99.toFixed(3), 'max', r.max.toFixed(1), '>5ms', t.filter((x) => x > 5).length)
  const busy: number[] = []
  for (let i = 0; i < 1000; i++) { const s = performance.now(); let x = 0; for (let k = 0; k < 20000; k++) x += k; busy.push(performance.now() - s) }
  const b = summarize(busy); console.log('pure cpu loop', 'p50', b.p50.toFixed(3), 'p99', b.p99.toFixed(3), 'max', b.max.toFixed(1), '>5ms', busy.filter((x) => x > 5).length)
}
db.close(); fs.rmSync(dir, { recursive: true })

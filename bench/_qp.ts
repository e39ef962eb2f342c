import fs from 'node:fs'
import { openDatabase } from '../src/server/store/sqlite/open'
const dir = fs.mkdtempSync('/dev/shm/qp-')
const db = openDatabase(dir)
const sql = `SELECT e.seq, e.kind, m.id, t.msg_id, g.id FROM events e
  LEFT JOIN messages m ON e.kind IN ('message', 'receipt') AND m.id = e.ref_id
  LEFT JOIN tombstones t ON e.kind = 'cmd' AND t.cmd_id = e.ref_id
  LEFT JOIN group_events g ON e.kind = 'group' AND g.id = e.ref_id
  WHERE e.username = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`
console.log(db.prepare('EXPLAIN QUERY PLAN ' + sql).all('a', 0, 200))
console.log(db.prepare(`EXPLAIN QUERY PLAN SELECT m.id, m.sender
  FROM events e JOIN messages m ON m.id = e.ref_id
  WHERE e.username = ? AND e.seq > ? AND e.seq <= ? AND e.kind = 'message'
    AND m.sender <> ? AND m.delivered_at IS NULL ORDER BY e.seq`).all('a', 0, 1, 'a'))
fs.rmSync(dir, { recursive: true })

import fs from 'node:fs'
import { openDatabase } from '../src/server/store/sqlite/open'
const dir = fs.mkdtempSync('/dev/shm/raw-')
const db = openDatabase(dir)
const s1 = db.prepare('SELECT 1')
const s2 = db.prepare('SELECT last_seq FROM users WHERE username = ?')
const s3 = db.prepare(`SELECT e.seq FROM events e WHERE e.username = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`)
const N = 5000
for (const [name, f] of [['select 1', () => s1.get()], ['users pk', () => s2.get('abc')], ['events', () => s3.all('abc', 0, 200)]] as const) {
  const t = performance.now(); for (let i = 0; i < N; i++) f(); console.log(name, ((performance.now() - t) / N * 1000).toFixed(1), 'µs')
}
console.log(db.pragma('compile_options').map((o: any) => o.compile_options).join(' '))
fs.rmSync(dir, { recursive: true })

import fs from 'node:fs'
import { newId } from '../src/shared/ids'
import { SqliteStore } from '../src/server/store/sqlite/sqlite-store'
const base = process.argv[2] ?? '/dev/shm'
const dir = fs.mkdtempSync(base + '/st-')
const store = SqliteStore.open(dir)
const users = Array.from({length: 100}, (_, i) => `u${String(i).padStart(3,'0')}`)
for (const u of users) await store.createUser({ username: u, passwordHash: 'x', createdAt: 0 })
const N = 3000
let t = performance.now()
const seqs = new Map<string, number>()
for (let i = 0; i < N; i++) {
  const a = users[i % 100]!, b = users[(i % 100) ^ 1]!
  await store.appendMessage({ id: newId(), conversationId: a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`, sender: a, text: 'hello world '.repeat(8), members: [a, b], now: Date.now() })
}
console.log('append per msg µs', ((performance.now() - t) / N * 1000).toFixed(1))
t = performance.now()
let q = 0
for (let i = 0; i < N; i++) {
  const u = users[i % 100]!
  const after = seqs.get(u) ?? 0
  const page = await store.eventsAfter(u, after, 200)
  q++
  if (page.length) seqs.set(u, page.at(-1)!.seq)
}
console.log('eventsAfter per call µs', ((performance.now() - t) / q * 1000).toFixed(1))
t = performance.now()
for (let i = 0; i < N; i++) { const u = users[i % 100]!; await store.eventsAfter(u, 1e9, 200) }
console.log('eventsAfter empty µs', ((performance.now() - t) / N * 1000).toFixed(1))
t = performance.now()
for (let i = 0; i < N; i++) { const u = users[i % 100]!; await store.ackDevice({ username: u, deviceId: 'd', seq: i, now: Date.now() }) }
console.log('ack µs', ((performance.now() - t) / N * 1000).toFixed(1))
await store.close(); fs.rmSync(dir, { recursive: true })
{
const dir2 = fs.mkdtempSync(base + '/st2-')
const s2 = SqliteStore.open(dir2)
for (const u of users) await s2.createUser({ username: u, passwordHash: 'x', createdAt: 0 })
for (const n of [0, 100, 1000, 3000]) {
  while ((globalThis as any).cnt === undefined ? ((globalThis as any).cnt = 0, true) : (globalThis as any).cnt < n) {
    const i = (globalThis as any).cnt++
    const a = users[i % 100]!, b = users[(i % 100) ^ 1]!
    await s2.appendMessage({ id: newId(), conversationId: a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`, sender: a, text: 'hello', members: [a, b], now: Date.now() })
    if ((globalThis as any).cnt >= n) break
  }
  const db = (s2 as any).db
  const st = db.prepare('SELECT e.seq FROM events e WHERE e.username = ? AND e.seq > ? ORDER BY e.seq LIMIT ?')
  let t = performance.now(); for (let i = 0; i < 2000; i++) st.all('u001', 1e9, 200); const a1 = (performance.now() - t) / 2
  t = performance.now(); for (let i = 0; i < 2000; i++) await s2.eventsAfter('u001', 1e9, 200); const a2 = (performance.now() - t) / 2
  console.log(n, 'raw', a1.toFixed(1), 'store', a2.toFixed(1), 'wal pages', JSON.stringify(db.pragma('wal_checkpoint(PASSIVE)')))
}
}

import { SqliteStore } from '../src/server/store/sqlite/sqlite-store'
const orig = SqliteStore.open
SqliteStore.open = (dir, o) => { const s = orig(dir, o); if (process.env.BENCH_CACHE) (s as any).db.pragma(`cache_size=${process.env.BENCH_CACHE}`); return s }

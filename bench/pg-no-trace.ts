/**
 * `npx tsx bench/pg-no-trace.ts [--quick] [--rounds=N] [--rows=N]`: how long the text of
 * a withdrawn message stays in a PostgreSQL data directory, and what it costs to remove it.
 *
 * A real PostgreSQL 15 (test/helpers/engines/postgres.ts), the real `PostgresStore`: Alice
 * sends Bob some messages, among them one whose text carries a random marker (32 hex
 * characters) and one control message with another marker that is never withdrawn (it
 * shows the scan finds live text, stored as plain bytes). Then she withdraws the marked
 * one through `withdrawMessage`, and after each maintenance step the whole data directory
 * is read, file by file, for the marker's UTF-8 bytes (and for either half of it, in case a
 * WAL page header split a copy). Each scenario runs on its own cluster, so one scenario's
 * WAL never carries another's marker:
 *
 *   default        wal_recycle=on (PostgreSQL's default): CHECKPOINT, VACUUM, WAL switches,
 *                  VACUUM FULL, WAL switches. The marked message is the newest one, as a
 *                  withdrawn message usually is (the window is short).
 *   default+later  the same with 20 messages sent after the marked one (on the same page)
 *   no-recycle     the same steps with wal_recycle=off (old WAL segments are unlinked
 *                  instead of being renamed for reuse); also +later
 *   minimal        wal_recycle=off, the newest message, straight to VACUUM FULL and then
 *                  WAL switches: the shortest sequence the others suggest
 *   busy           the server first wrote 250 MiB of WAL (100 with --quick) in one
 *                  checkpoint cycle, so checkpoints keep many recycled segments as on a
 *                  server in use; then the marked message, VACUUM FULL, and switches until
 *                  the marker is gone (at most 40); also busy-no-recycle (wal_recycle=off)
 *
 * Then the cost: VACUUM and VACUUM FULL of a messages table of `--rows` rows (100,000 by
 * default) and ten times that, with one row deleted, and the switch + checkpoint after it.
 *
 * Prints a table of steps x where the marker was found and writes
 * bench/results/pg-no-trace-<timestamp>.json and bench/results/pg-no-trace-latest.json.
 * Not part of `npm run bench`: it measures what the disk keeps, not a speed. About a minute
 * on 2 shared cores. Findings: docs/reliability.md, "Withdraw on PostgreSQL".
 */
import './lib/quiet-logs'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { PostgresStore } from '../src/server/store/postgres/postgres-store'
import { newId } from '../src/shared/ids'
import { directConversationId } from '../src/shared/protocol'
import { type PostgresInstance, startPostgres } from '../test/helpers/engines/postgres'
import { ROOT } from './lib/child'

const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
const numberArg = (name: string, fallback: number): number => {
  const raw = argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
  const n = raw === undefined ? fallback : Number(raw)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`)
  return n
}
/** WAL switch + checkpoint rounds after each VACUUM step. */
const ROUNDS = numberArg('rounds', quick ? 2 : 4)
/** Rows of the messages table whose VACUUM FULL is timed. */
const ROWS = numberArg('rows', quick ? 20_000 : 100_000)
/** ...and ten times as many (the table grows in place). */
const SIZES = quick ? [ROWS] : [ROWS, ROWS * 10]
/** Messages before the marked one, and after it in the scenarios that say so (`+later`). */
const FILLER = 20
const LATER = 20
/** WAL the busy scenarios write before the messages, and their most switch rounds. */
const BUSY_WAL_MIB = quick ? 100 : 250
const BUSY_ROUNDS = 40

const ab = directConversationId('alice', 'bob')

interface Hit {
  /** Relative to the data directory, e.g. base/16384/16402 or pg_wal/000000010000000000000001. */
  file: string
  /** What the file is: a relation's name, "WAL segment", ... */
  what: string
  /** How many times the marker occurs in the file. */
  count: number
  /** Byte offset of its first occurrence. */
  firstOffset: number
}

interface StepResult {
  scenario: string
  step: string
  ms: number
  /** Where the withdrawn message's marker was found. */
  found: Hit[]
  /** Whether the control marker (never withdrawn) was found: the scan sees live text. */
  controlFound: boolean
  walSegments: number
  dataDirMiB: number
}

/** Every regular file under `dir`, relative paths. */
function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = []
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name)
    if (entry.isDirectory()) out.push(...filesUnder(dir, rel))
    else if (entry.isFile()) out.push(rel)
  }
  return out
}

function occurrences(haystack: Buffer, needle: Buffer): { count: number; firstOffset: number } | null {
  const first = haystack.indexOf(needle)
  if (first === -1) return null
  let count = 0
  for (let at = first; at !== -1; at = haystack.indexOf(needle, at + 1)) count++
  return { count, firstOffset: first }
}

/** Reads the whole data directory; files that vanish meanwhile (a checkpoint removing WAL) are skipped. */
function scan(dataDir: string, needles: Buffer[]): { hits: Map<string, { count: number; firstOffset: number }>[]; bytes: number; walSegments: number } {
  const hits = needles.map(() => new Map<string, { count: number; firstOffset: number }>())
  let bytes = 0
  let walSegments = 0
  for (const rel of filesUnder(dataDir)) {
    if (/^pg_wal\/[0-9A-F]{24}$/.test(rel)) walSegments++
    let content: Buffer
    try {
      content = readFileSync(path.join(dataDir, rel))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw err
    }
    bytes += content.length
    needles.forEach((needle, i) => {
      const found = occurrences(content, needle)
      if (found) hits[i]!.set(rel, found)
    })
  }
  return { hits, bytes, walSegments }
}

class Scenario {
  readonly steps: StepResult[] = []
  private names = new Map<string, string>()

  private constructor(
    readonly name: string,
    readonly instance: PostgresInstance,
    private readonly admin: pg.Client,
    private readonly marker: Buffer,
    private readonly control: Buffer,
  ) {}

  static async start(name: string, settings: Record<string, string>, later: number, busyMiB: number, log: (m: string) => void): Promise<Scenario> {
    const instance = await startPostgres({ settings })
    try {
      const url = await instance.createDatabase('notrace')
      if (busyMiB) await writeWal(url, busyMiB, log)
      const store = await PostgresStore.open(url)
      const marker = randomBytes(16).toString('hex')
      const control = randomBytes(16).toString('hex')
      let secretId = ''
      let now = 1_000
      try {
        for (const username of ['alice', 'bob']) await store.createUser({ username, passwordHash: 'unused', createdAt: 1 })
        const texts = [
          ...Array.from({ length: FILLER }, (_, i) => `filler message ${i}, an ordinary sentence of ordinary length`),
          `the control text ${control} stays`,
          `the secret text ${marker} is withdrawn`,
          ...Array.from({ length: later }, (_, i) => `later filler message ${i}, an ordinary sentence of ordinary length`),
        ]
        for (const text of texts) {
          const id = newId()
          if (text.includes(marker)) secretId = id
          const [result] = await store.appendMessages([{ id, conversationId: ab, sender: 'alice', text, members: ['alice', 'bob'], now: now++ }])
          if (result?.kind !== 'appended') throw new Error(`append: ${result?.kind}`)
        }
      } catch (err) {
        await store.close()
        throw err
      }
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      const scenario = new Scenario(name, instance, admin, Buffer.from(marker, 'utf8'), Buffer.from(control, 'utf8'))
      // a short text is stored inline and uncompressed: the scan looks for its plain bytes
      const { rows } = await admin.query<{ compression: string | null; size: number }>(
        'SELECT pg_column_compression(text) AS compression, pg_column_size(text) AS size FROM messages WHERE id = $1',
        [secretId],
      )
      if (rows[0]?.compression !== null) throw new Error(`the marked text is stored compressed (${rows[0]?.compression})`)
      log(`[${name}] marked text stored inline, uncompressed (${rows[0].size} bytes)`)
      await scenario.record('appended (committed)', 0)
      const t0 = performance.now()
      const withdrawn = await store.withdrawMessage({
        msgId: secretId,
        conversationId: ab,
        by: 'alice',
        cmdId: newId(),
        chatType: 'Chat',
        reason: null,
        members: ['alice', 'bob'],
        now: now++,
        authorize: () => ({ allowed: true, as: 'author' }),
      })
      const ms = performance.now() - t0
      await store.close()
      if (withdrawn.kind !== 'withdrawn') throw new Error(`withdraw: ${withdrawn.kind}`)
      const left = await admin.query('SELECT count(*)::int AS n FROM messages WHERE text LIKE $1', [`%${marker}%`])
      if (left.rows[0].n !== 0) throw new Error('the withdrawn text is still visible to queries')
      await scenario.record('withdrawn (store.withdrawMessage)', ms)
      return scenario
    } catch (err) {
      await instance.stop()
      throw err
    }
  }

  /** Runs `sql` statements one after another, then scans; returns the step's result. */
  async step(label: string, sql: string[]): Promise<StepResult> {
    const t0 = performance.now()
    for (const statement of sql) await this.admin.query(statement)
    return this.record(label, performance.now() - t0)
  }

  /** `rounds` rounds of switch + checkpoint; with `untilGone`, stops after the first round that finds nothing. */
  async switchRounds(label: string, rounds: number, log: (m: string) => void, untilGone = false): Promise<void> {
    for (let i = 1; i <= rounds; i++) {
      const r = await this.step(`${label} ${i}`, ['SELECT pg_switch_wal()', 'CHECKPOINT'])
      log(`[${this.name}] ${r.step}: ${describeHits(r.found)}`)
      if (untilGone && !r.found.length) return
    }
  }

  private async labelFor(rel: string): Promise<string> {
    if (rel.startsWith('pg_wal/')) return 'WAL segment'
    const m = /^(base\/\d+\/\d+|global\/\d+)(?:_(fsm|vm|init))?(?:\.\d+)?$/.exec(rel)
    if (!m) return 'other'
    if (!this.names.has(m[1]!)) {
      // relation file paths of this database (relfilenodes change with VACUUM FULL)
      const { rows } = await this.admin.query<{ path: string; relname: string }>(
        'SELECT pg_relation_filepath(oid) AS path, relname FROM pg_class WHERE pg_relation_filepath(oid) IS NOT NULL',
      )
      for (const row of rows) this.names.set(row.path, row.relname)
    }
    const name = this.names.get(m[1]!) ?? 'relation file of no current relation (dropped, awaiting the next checkpoint)'
    return m[2] ? `${name} (${m[2]})` : name
  }

  private async record(step: string, ms: number): Promise<StepResult> {
    // the halves too: a WAL record may be split by a WAL page header, cutting the marker in two
    const head = this.marker.subarray(0, this.marker.length / 2)
    const tail = this.marker.subarray(this.marker.length / 2)
    const { hits, bytes, walSegments } = scan(this.instance.dataDir, [this.marker, this.control, head, tail])
    this.names.clear()
    const found: Hit[] = []
    for (const [file, at] of hits[0]!) found.push({ file, what: await this.labelFor(file), ...at })
    for (const half of [hits[2]!, hits[3]!]) {
      for (const [file, at] of half) {
        if (!found.some((h) => h.file === file)) found.push({ file, what: `${await this.labelFor(file)} (half of the marker only)`, ...at })
      }
    }
    const result: StepResult = {
      scenario: this.name,
      step,
      ms: Math.round(ms * 10) / 10,
      found,
      controlFound: hits[1]!.size > 0,
      walSegments,
      dataDirMiB: Math.round((bytes / 2 ** 20) * 10) / 10,
    }
    this.steps.push(result)
    return result
  }

  async stop(): Promise<void> {
    await this.admin.end().catch(() => {})
    await this.instance.stop()
  }
}

/**
 * A server that has been writing: about `mib` MiB of WAL (rows inserted into a scratch
 * table and dropped) between two checkpoints, so that checkpoints estimate that much WAL
 * per cycle and keep that many recycled segments, as a busy server's do, instead of the
 * one or two of a fresh cluster.
 */
async function writeWal(url: string, mib: number, log: (m: string) => void): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const start = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
    await client.query('CREATE TABLE scratch (id int, pad text)')
    for (let written = 0; written < mib; ) {
      await client.query("INSERT INTO scratch SELECT g, repeat('x', 200) FROM generate_series(1, 40000) g")
      const { rows } = await client.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint::text AS bytes', [start.rows[0]!.lsn])
      written = Number(rows[0]!.bytes) / 2 ** 20
    }
    await client.query('DROP TABLE scratch')
    await client.query('CHECKPOINT')
    log(`wrote ${mib}+ MiB of WAL beforehand`)
  } finally {
    await client.end()
  }
}

function describeHits(found: readonly Hit[]): string {
  if (!found.length) return 'nowhere'
  const heap = found.filter((h) => !h.what.startsWith('WAL segment'))
  const wal = found.filter((h) => h.what.startsWith('WAL segment'))
  const parts = heap.map((h) => `${h.what} ${h.file}`)
  if (wal.length) parts.push(`WAL ${wal.map((h) => `${h.file.slice(-8)}@${(h.firstOffset / 2 ** 20).toFixed(1)}MiB${h.what === 'WAL segment' ? '' : ' (half only)'}`).join(', ')}`)
  return parts.join('; ')
}

interface Cost {
  rows: number
  tableMiB: number
  vacuumMs: number
  vacuumFullMs: number
  /** WAL written by the VACUUM FULL: what replicas and WAL archives receive. */
  vacuumFullWalMiB: number
  switchCheckpointMs: number
}

/**
 * VACUUM and VACUUM FULL of a messages table of each size in `sizes` (grown in place) with
 * one row deleted. The rows are written by SQL (INSERT ... SELECT, 100-character texts),
 * not through the store: only the table's size matters here.
 */
async function cost(sizes: readonly number[], log: (m: string) => void): Promise<Cost[]> {
  const instance = await startPostgres()
  try {
    const url = await instance.createDatabase('cost')
    const store = await PostgresStore.open(url)
    for (const username of ['alice', 'bob']) await store.createUser({ username, passwordHash: 'unused', createdAt: 1 })
    await store.close()
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    const results: Cost[] = []
    try {
      let filled = 0
      for (const rows of sizes) {
        log(`[cost] filling messages up to ${rows.toLocaleString('en-US')} rows`)
        await client.query(
          `INSERT INTO messages (id, conversation_id, sender, ts, text)
           SELECT 'm' || g, $1, 'alice', g, rpad(md5(g::text), 100, md5((g + 1)::text)) FROM generate_series($2::int, $3::int) g`,
          [ab, filled + 1, rows],
        )
        filled = rows
        await client.query('VACUUM ANALYZE messages')
        await client.query('CHECKPOINT')
        const size = await client.query<{ bytes: string }>("SELECT pg_total_relation_size('messages')::text AS bytes")
        await client.query(`DELETE FROM messages WHERE id = 'm${Math.ceil(rows / 2)}'`)
        const timed = async (sql: string) => {
          const t0 = performance.now()
          await client.query(sql)
          return Math.round(performance.now() - t0)
        }
        const vacuumMs = await timed('VACUUM messages')
        const before = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
        const vacuumFullMs = await timed('VACUUM FULL messages')
        const wal = await client.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint::text AS bytes', [before.rows[0]!.lsn])
        const switchCheckpointMs = (await timed('SELECT pg_switch_wal()')) + (await timed('CHECKPOINT'))
        const mib = (bytes: string) => Math.round((Number(bytes) / 2 ** 20) * 10) / 10
        const result = { rows, tableMiB: mib(size.rows[0]!.bytes), vacuumMs, vacuumFullMs, vacuumFullWalMiB: mib(wal.rows[0]!.bytes), switchCheckpointMs }
        log(`[cost] ${JSON.stringify(result)}`)
        results.push(result)
      }
      return results
    } finally {
      await client.end()
    }
  } finally {
    await instance.stop()
  }
}

async function settingsOf(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings
       WHERE name IN ('wal_recycle', 'wal_init_zero', 'full_page_writes', 'wal_compression', 'min_wal_size', 'max_wal_size', 'wal_segment_size', 'wal_level', 'server_version')`,
    )
    return Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} ${r.unit}` : r.setting]))
  } finally {
    await client.end()
  }
}

async function main(): Promise<void> {
  const log = (m: string) => console.error(m)
  const startedAt = new Date()
  const scenarios: Array<{ name: string; settings: Record<string, string>; laterMessages: number; walWrittenBeforeMiB: number; pgSettings: Record<string, string>; steps: StepResult[] }> = []

  const run = async (name: string, settings: Record<string, string>, later: number, body: (s: Scenario) => Promise<void>, busyMiB = 0) => {
    log(`[${name}] starting PostgreSQL with ${JSON.stringify(settings)}; ${later} messages after the marked one`)
    const s = await Scenario.start(name, settings, later, busyMiB, log)
    try {
      for (const r of s.steps) log(`[${name}] ${r.step}: ${describeHits(r.found)}`)
      await body(s)
      scenarios.push({ name, settings, laterMessages: later, walWrittenBeforeMiB: busyMiB, pgSettings: await settingsOf(s.instance.url), steps: s.steps })
    } finally {
      await s.stop()
    }
  }
  const say = (s: Scenario, r: StepResult) => log(`[${s.name}] ${r.step}: ${describeHits(r.found)}`)

  const ladder = async (s: Scenario) => {
    say(s, await s.step('CHECKPOINT', ['CHECKPOINT']))
    say(s, await s.step('VACUUM messages, events, tombstones + CHECKPOINT', ['VACUUM messages, events, tombstones', 'CHECKPOINT']))
    await s.switchRounds('pg_switch_wal() + CHECKPOINT, round', ROUNDS, log)
    say(s, await s.step('VACUUM FULL messages, events + CHECKPOINT', ['VACUUM FULL messages, events', 'CHECKPOINT']))
    await s.switchRounds('after VACUUM FULL: pg_switch_wal() + CHECKPOINT, round', ROUNDS, log)
  }
  // the newest message is the usual one to withdraw (the window is short): nothing after it on its page
  await run('default', {}, 0, ladder)
  await run('default+later', {}, LATER, ladder)
  await run('no-recycle', { wal_recycle: 'off' }, 0, ladder)
  await run('no-recycle+later', { wal_recycle: 'off' }, LATER, ladder)
  await run('minimal', { wal_recycle: 'off' }, 0, async (s) => {
    say(s, await s.step('VACUUM FULL messages', ['VACUUM FULL messages']))
    await s.switchRounds('pg_switch_wal() + CHECKPOINT, round', ROUNDS, log)
  })
  // wal_recycle=on after the server wrote some WAL: how many switches until the recycled copy is gone
  const busy = async (s: Scenario) => {
    say(s, await s.step('VACUUM FULL messages', ['VACUUM FULL messages']))
    await s.switchRounds('pg_switch_wal() + CHECKPOINT, round', BUSY_ROUNDS, log, true)
  }
  await run('busy', {}, 0, busy, BUSY_WAL_MIB)
  await run('busy-no-recycle', { wal_recycle: 'off' }, 0, busy, BUSY_WAL_MIB)
  const costs = await cost(SIZES, log)

  const all = scenarios.flatMap((s) => s.steps)
  const header = ['scenario', 'step', 'ms', 'marker found in', 'control', 'WAL segs']
  const body = all.map((r) => [r.scenario, r.step, String(r.ms), describeHits(r.found), r.controlFound ? 'yes' : 'NO', String(r.walSegments)])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  console.log('')
  console.log([line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n'))
  console.log('')
  for (const c of costs) {
    console.log(
      `cost on ${c.rows.toLocaleString('en-US')} rows (${c.tableMiB} MiB with indexes): VACUUM ${c.vacuumMs} ms, ` +
        `VACUUM FULL ${c.vacuumFullMs} ms (${c.vacuumFullWalMiB} MiB of WAL), switch + checkpoint ${c.switchCheckpointMs} ms`,
    )
  }

  let commit: string | null
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
  } catch {
    commit = null
  }
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    quick,
    rounds: ROUNDS,
    commit,
    machine: { cpus: os.cpus().length, loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100), platform: `${os.type()} ${os.release()}`, node: process.version },
    scenarios,
    cost: costs,
  }
  const dir = path.join(ROOT, 'bench/results')
  mkdirSync(dir, { recursive: true })
  const stamp = startedAt.toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')
  const json = `${JSON.stringify(report, null, 2)}\n`
  writeFileSync(path.join(dir, `pg-no-trace-${stamp}.json`), json)
  writeFileSync(path.join(dir, 'pg-no-trace-latest.json'), json)
  console.log(`\nwrote bench/results/pg-no-trace-${stamp}.json and bench/results/pg-no-trace-latest.json`)
}

await main()
process.exit(0)

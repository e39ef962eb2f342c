/**
 * What a fault campaign keeps so that a failure can be explained after the fact: for each
 * tracked message, the bridge calls made for it and their answers, what each client
 * showed of it, and how the harness decided an outcome a kill had swallowed; the faults
 * (kills, restarts, socket drops) of every process; and the JSON log lines of the server
 * and the clients (pino: ids and codes, never text), each written to a file of its own.
 *
 * Cheap while the run goes (an array push per step); `explain` does the work, only for
 * the messages a failure names. Times are wall-clock milliseconds, so they line up with
 * the ISO timestamps of the log lines.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

interface Step {
  at: number
  /** Who did it: a client's name, 'server' or 'harness'. */
  by: string
  what: string
}

export interface RecordedItem {
  key: string
  /** The message id, once known; log lines are matched on it. */
  id: string | null
  /** The processes whose faults and logs matter for it (its sender and receivers). */
  parties: string[]
}

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g
/** Faults and logs this long before an item's first step and after its last belong to its story. */
const MARGIN_MS = 3_000

export class FlightRecorder {
  private readonly steps = new Map<string, Step[]>()
  private readonly items = new Map<string, RecordedItem>()
  private readonly byId = new Map<string, string>()
  private readonly faults: Step[] = []

  /**
   * `dir` receives one log file per process (`<name>.log`); it is emptied first. `servers`:
   * the processes every message's story includes (the server, or each node of a cluster and its engines).
   */
  constructor(
    readonly dir: string,
    readonly servers: readonly string[] = ['server'],
  ) {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
  }

  /** The file a process's stderr (its JSON log lines) is appended to. */
  logFile(process: string): string {
    return path.join(this.dir, `${process}.log`)
  }

  /** A sink for a process's stderr chunks. */
  logSink(process: string): (chunk: string) => void {
    const file = this.logFile(process)
    return (chunk) => appendFileSync(file, chunk)
  }

  track(key: string, parties: string[]): void {
    this.items.set(key, { key, id: null, parties })
  }

  identify(key: string, id: string): void {
    const item = this.items.get(key)
    if (item) item.id = id
    this.byId.set(id, key)
  }

  /** A step in the life of tracked message `keyOrId`. */
  note(keyOrId: string, by: string, what: string): void {
    const key = this.byId.get(keyOrId) ?? keyOrId
    if (!this.items.has(key)) return
    let list = this.steps.get(key)
    if (!list) this.steps.set(key, (list = []))
    list.push({ at: Date.now(), by, what })
  }

  /** A fault or lifecycle event of a process ('server', a client's name). */
  fault(process: string, what: string): void {
    this.faults.push({ at: Date.now(), by: process, what })
  }

  /** The tracked messages a set of problem texts names, by id or by key. */
  named(problems: readonly string[]): string[] {
    const keys = new Set<string>()
    for (const problem of problems) {
      // the first line: a problem may carry a process's log tail, full of unrelated ids
      const text = problem.split('\n')[0]!
      for (const id of text.match(UUID_RE) ?? []) {
        const key = this.byId.get(id)
        if (key) keys.add(key)
      }
      for (const word of text.split(/[\s():,]+/)) if (this.items.has(word)) keys.add(word)
    }
    return [...keys]
  }

  /**
   * The story of each named message: its own steps, the faults of its parties and the
   * server around them, and every log line that names its id, merged in time order; then
   * every fault of the run. Written to `record.md` in the recorder's directory; returns that path.
   */
  explain(keys: readonly string[]): string {
    const out: string[] = ['# Flight record', '']
    const logs = new Map<string, Array<{ at: number; line: string }>>()
    const logOf = (process: string) => {
      let lines = logs.get(process)
      if (!lines) {
        const file = this.logFile(process)
        lines = existsSync(file)
          ? readFileSync(file, 'utf8')
              .split('\n')
              .filter((l) => l.startsWith('{'))
              .map((line) => ({ at: timeOf(line), line }))
          : []
        logs.set(process, lines)
      }
      return lines
    }
    for (const key of keys) {
      const item = this.items.get(key)
      if (!item) continue
      const own = this.steps.get(key) ?? []
      const from = (own[0]?.at ?? 0) - MARGIN_MS
      const to = (own.at(-1)?.at ?? Date.now()) + MARGIN_MS
      const involved = new Set([...this.servers, ...item.parties])
      const rows: Step[] = [
        ...own.map((s) => ({ ...s, what: `** ${s.what}` })),
        ...this.faults.filter((f) => involved.has(f.by) && f.at >= from && f.at <= to),
      ]
      if (item.id) {
        for (const process of involved) {
          for (const l of logOf(process)) if (l.line.includes(item.id)) rows.push({ at: l.at, by: process, what: `log ${l.line}` })
        }
      }
      rows.sort((a, b) => a.at - b.at)
      out.push(`## ${key} ${item.id ?? '(no id)'} · parties ${item.parties.join(', ')}`, '')
      for (const r of rows) out.push(`- ${new Date(r.at).toISOString()} ${r.by}: ${r.what}`)
      out.push('')
    }
    out.push('## Every fault and restart', '')
    for (const f of this.faults) out.push(`- ${new Date(f.at).toISOString()} ${f.by}: ${f.what}`)
    const file = path.join(this.dir, 'record.md')
    writeFileSync(file, `${out.join('\n')}\n`)
    return file
  }
}

function timeOf(line: string): number {
  const m = /"time":"([^"]+)"/.exec(line)
  return m ? Date.parse(m[1]!) : 0
}

/**
 * `npx tsx bench/profile-summary.ts FILE.cpuprofile [--top N]`: the busy time of a V8 CPU
 * profile (`node --cpu-prof`, e.g. through BENCH_CHILD_ARGS) by function, self and total,
 * with idle and GC apart, so before/after tables in docs/performance.md come from one tool.
 *
 * Self: samples where the function itself was on top of the stack. Total: samples where it
 * was anywhere on the stack (counted once per sample, so recursion does not inflate it).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)'])

function label(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)'
  if (SPECIAL.has(name) || !frame.url) return name
  const file = frame.url.replace(/^file:\/\//, '')
  const short = file.includes('node_modules/')
    ? file.slice(file.lastIndexOf('node_modules/') + 'node_modules/'.length)
    : path.relative(process.cwd(), file)
  return `${name} ${short}:${frame.lineNumber + 1}`
}

export function summarizeProfile(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map<string, number>()
  const total = new Map<string, number>()
  let idle = 0
  let busy = 0
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    const node = byId.get(id)!
    if (node.callFrame.functionName === '(idle)') {
      idle += dt
      return
    }
    busy += dt
    const own = label(node.callFrame)
    self.set(own, (self.get(own) ?? 0) + dt)
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!.callFrame)
      if (l === '(root)' || seen.has(l)) continue
      seen.add(l)
      total.set(l, (total.get(l) ?? 0) + dt)
    }
  })
  const pct = (v: number) => `${((100 * v) / busy).toFixed(1).padStart(5)}%`
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, v]) => `${pct(v)}  ${name}`)
  return [
    `busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms (busy ${((100 * busy) / (busy + idle)).toFixed(1)}% of the profile)`,
    '',
    `self time, top ${top}:`,
    ...rows(self),
    '',
    `total time (on the stack), top ${top}:`,
    ...rows(total),
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('profile-summary.ts')) {
  const file = process.argv[2]
  if (!file) {
    console.error('usage: tsx bench/profile-summary.ts FILE.cpuprofile [--top N]')
    process.exit(2)
  }
  const topArg = process.argv.indexOf('--top')
  const top = topArg > 0 ? Number(process.argv[topArg + 1]) : 25
  console.log(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile, top))
}

/**
 * 3. Client store: how long applying one relayed withdraw takes on a profile holding
 * 1,000, 100,000 and 1,000,000 messages, through the production receiver path
 * (`InboundProcessor.handle`: one transaction with the cursor, the delete, the search
 * index cleanup, tombstone, notice and conversation summary, then the WAL truncation and
 * the bridge event). Also: the search-index cleanup beside a plain row delete, and the
 * cost of the no-trace guarantee (secure_delete + FTS5 secure-delete + WAL checkpoint
 * TRUNCATE) beside the same withdraw without them.
 *
 * Profiles are built directly, in one transaction, with the core's own migrations and
 * query functions: 20 conversations, the busiest holding half of the messages, two
 * senders, each conversation read up to its last 50 messages. Withdrawn messages are
 * recent ones of the busiest conversation, in random order.
 */
import { copyFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Database } from 'better-sqlite3'
import { DATABASE_FILE, openDatabase } from '../src/main/core/db/open'
import { advanceCursor } from '../src/main/core/db/queries/meta'
import { unindexMessage } from '../src/main/core/db/queries/search-index'
import type { Connection } from '../src/main/core/net/connection'
import { CHECKPOINT_COALESCE_MS, finishCleanup } from '../src/main/core/db/cleanup'
import { commit, type CoreContext } from '../src/main/core/context'
import { applyEvent, InboundProcessor } from '../src/main/core/services/inbound'
import { newId } from '../src/shared/ids'
import { type CmdEvent, REVOKE_FLAG } from '../src/shared/protocol'
import { buildProfile, type StoredMessageRef } from './lib/profile'
import { round, summarize, type Summary } from './lib/stats'
import type { Benchmark, BenchOptions, BenchResult, Figure } from './lib/types'

const ME = 'alice'
const CONVERSATIONS = 20
const UNREAD_PER_CONVERSATION = 50

type Target = StoredMessageRef

function peerOf(c: number): string {
  return `peer${String(c).padStart(2, '0')}`
}

/**
 * 20 conversations, the busiest holding half of the messages, read up to their last 50;
 * returns recent messages of the busiest conversation's peer, in a fixed random order.
 */
function buildStoreProfile(dir: string, count: number, targetCount: number): Target[] {
  const { fromFirstPeer } = buildProfile(dir, {
    me: ME,
    peers: Array.from({ length: CONVERSATIONS }, (_, c) => peerOf(c)),
    count,
    firstShare: 0.5,
    unreadPerConversation: UNREAD_PER_CONVERSATION,
  })
  // the most recent ones, in a deterministic random order: authors withdraw within the
  // recall window, so withdrawn messages are among the newest
  const candidates = fromFirstPeer.slice(-targetCount)
  let seed = 7
  for (let i = candidates.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    const j = seed % (i + 1)
    ;[candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!]
  }
  return candidates.slice(0, targetCount)
}

function contextFor(db: Database): CoreContext & { emitted: number; withdrawnAt: number } {
  const ctx = {
    db,
    emitted: 0,
    withdrawnAt: 0,
    emit: (name: string) => {
      if (name === 'message:withdrawn') ctx.withdrawnAt = performance.now()
      ctx.emitted++
    },
    now: () => Date.now(),
    serverNow: () => Date.now(),
    me: () => ME,
    withdrawWindows: () => ({ recallWindowSeconds: 0, adminRecallWindowSeconds: 0 }),
    draftKept: () => {},
  }
  return ctx
}

/** The receiver's acknowledgements go nowhere: this measures the device, not the network. */
const offlineLink = (): Connection => ({
  state: 'online',
  ready: true,
  start: () => {},
  stop: async () => {},
  send: () => true,
  restart: () => {},
  injectFrame: () => {},
})

function withdrawOf(t: Target): CmdEvent {
  return {
    kind: 'cmd',
    id: newId(),
    conversationId: t.conversationId,
    chatType: 'Chat',
    from: t.sender,
    ts: t.ts + 5_000,
    action: REVOKE_FLAG,
    ext: { msgId: t.id },
    target: { from: t.sender, ts: t.ts },
  }
}

/**
 * Times each withdraw through the production receiver: until `message:withdrawn` is
 * emitted (the row is gone and the renderer told), and until `handle` returns (with what
 * follows the event in the same step: a WAL truncation, the acknowledgement's fsync).
 *
 * `spacingMs` apart, each withdraw stands alone, as withdraws normally arrive: it gets its
 * own WAL truncation (after its event), so the WAL is empty when the next one commits.
 * Back to back (0), they form a burst, as in a catch-up: truncations are coalesced, the WAL
 * grows, and now and then SQLite's automatic checkpoint runs inside a commit.
 */
async function timeInbound(
  db: Database,
  targets: Target[],
  firstSeq: number,
  spacingMs: number,
): Promise<{ toEvent: number[]; total: number[] }> {
  const ctx = contextFor(db)
  const inbound = new InboundProcessor(ctx, offlineLink)
  const toEvent: number[] = []
  const total: number[] = []
  for (const [i, t] of targets.entries()) {
    await new Promise((resolve) => (spacingMs > 0 ? setTimeout(resolve, spacingMs) : setImmediate(resolve)))
    const emitted = ctx.emitted
    const t0 = performance.now()
    inbound.handle({ type: 'event', seq: firstSeq + i, event: withdrawOf(t) })
    total.push(performance.now() - t0)
    if (ctx.emitted === emitted) throw new Error('withdraw not applied')
    toEvent.push(ctx.withdrawnAt - t0)
  }
  inbound.stop()
  return { toEvent, total }
}

/**
 * One isolated withdraw, the receiver's unit of work (committed as inbound events are),
 * with its own search-partition merge and WAL truncation when `noTrace` (run to the end
 * inside the timing, though the app runs it in steps after); without it, secure_delete and
 * FTS5 secure-delete are turned off beforehand and nothing is merged or truncated.
 */
function timeIsolated(db: Database, targets: Target[], firstSeq: number, noTrace: boolean): number[] {
  if (!noTrace) {
    db.pragma('secure_delete = OFF')
    for (const t of ['messages_fts_recent', 'messages_fts_archive']) db.prepare(`INSERT INTO ${t} (${t}, rank) VALUES ('secure-delete', 0)`).run()
  }
  const ctx = contextFor(db)
  return targets.map((t, i) => {
    const t0 = performance.now()
    commit(
      ctx,
      (fx) => {
        applyEvent(ctx, fx, withdrawOf(t), ME)
        advanceCursor(db, firstSeq + i)
        if (!noTrace) {
          fx.checkpoint = false
          fx.merges.clear()
        }
      },
      { waitForDisk: false },
    )
    finishCleanup(db)
    return performance.now() - t0
  })
}

/** The search-index entry's delete beside the row's delete, inside one transaction each. */
function timeDeletes(db: Database, targets: Target[]): { fts: number[]; row: number[] } {
  const rowDelete = db.prepare('DELETE FROM messages WHERE row_id = ?')
  const fts: number[] = []
  const row: number[] = []
  for (const t of targets) {
    db.transaction(() => {
      const t0 = performance.now()
      unindexMessage(db, t.rowId)
      const t1 = performance.now()
      rowDelete.run(t.rowId)
      row.push(performance.now() - t1)
      fts.push(t1 - t0)
    })()
  }
  return { fts, row }
}

const ms = (s: Summary) => ({ p50: round(s.p50, 3), p99: round(s.p99, 3), mean: round(s.mean, 3), max: round(s.max, 3) })

export const clientStore: Benchmark = {
  storageSensitive: true,
  name: 'client-store',
  title: 'Client store: withdraw apply at 1k / 100k / 1M messages',
  async run({ quick, workDir, log }: BenchOptions): Promise<BenchResult> {
    const sizes = quick ? [1_000, 100_000] : [1_000, 100_000, 1_000_000]
    const perSize = quick ? 60 : 150
    const figures: Figure[] = []
    const details: Record<string, unknown> = {}
    const applied = new Map<number, Summary>()

    for (const size of sizes) {
      const dir = path.join(workDir, `profile-${size}`)
      const t0 = performance.now()
      // four disjoint sets: isolated, burst, delete split, and (at 100k) the no-trace
      // comparison; a small profile has fewer messages to withdraw
      const all = buildStoreProfile(dir, size, perSize * 4)
      const n = Math.floor(all.length / 4)
      const targets = all.slice(0, 4 * n)
      log(`${size} messages built in ${round((performance.now() - t0) / 1000, 1)} s`)
      const db = openDatabase({ profileDir: dir })
      try {
        const timed = await timeInbound(db, targets.slice(0, n), size + 1, CHECKPOINT_COALESCE_MS + 10)
        const apply = summarize(timed.toEvent)
        const whole = summarize(timed.total)
        applied.set(size, apply)
        const burst = summarize((await timeInbound(db, targets.slice(n, 2 * n), size + 1 + n, 0)).toEvent)
        const deletes = timeDeletes(db, targets.slice(2 * n, 3 * n))
        const fts = summarize(deletes.fts)
        const row = summarize(deletes.row)
        details[`messages_${size}`] = { withdraws: n, withdrawApplyMs: ms(apply), handleMs: ms(whole), burstApplyMs: ms(burst), ftsDeleteMs: ms(fts), rowDeleteMs: ms(row) }
        figures.push(
          {
            measure: `withdraw apply @${size.toLocaleString('en-US')} msgs p50 (isolated)`,
            value: round(apply.p50, 3),
            unit: 'ms',
          },
          {
            measure: `withdraw apply @${size.toLocaleString('en-US')} msgs p99 (isolated)`,
            value: round(apply.p99, 3),
            unit: 'ms',
          },
          {
            measure: `  incl. WAL truncation + ack fsync after the event, p99`,
            value: round(whole.p99, 3),
            unit: 'ms',
          },
          {
            measure: `  back to back (a burst) p50 / p99`,
            value: round(burst.p99, 3),
            unit: `ms (p50 ${round(burst.p50, 3)} ms)`,
          },
          {
            measure: `search-index cleanup @${size.toLocaleString('en-US')} p50`,
            value: round(fts.p50, 3),
            unit: 'ms',
            baseline: { measure: 'plain row delete', value: round(row.p50, 3) },
            ratio: round(fts.p50 / row.p50, 1),
          },
        )
        if (size === 100_000) {
          const withTrace = targets.slice(3 * n, 4 * n)
          const without = withTrace
          // a copy of the same profile, for the variant without the guarantee
          db.pragma('wal_checkpoint(TRUNCATE)')
          const copyDir = path.join(workDir, `profile-${size}-no-guarantee`)
          mkdirSync(copyDir, { recursive: true })
          copyFileSync(path.join(dir, DATABASE_FILE), path.join(copyDir, DATABASE_FILE))
          const copy = openDatabase({ profileDir: copyDir })
          try {
            const guarded = summarize(timeIsolated(db, withTrace, size + 10_000, true))
            const bare = summarize(timeIsolated(copy, without, size + 10_000, false))
            details.noTrace = { atMessages: size, withGuaranteeMs: ms(guarded), withoutMs: ms(bare) }
            figures.push(
              {
                measure: 'no-trace guarantee: withdraw p50',
                value: round(guarded.p50, 3),
                unit: 'ms',
                baseline: { measure: 'without it', value: round(bare.p50, 3) },
                ratio: round(guarded.p50 / bare.p50, 1),
              },
              {
                measure: 'no-trace guarantee: withdraw p99',
                value: round(guarded.p99, 3),
                unit: 'ms',
                baseline: { measure: 'without it', value: round(bare.p99, 3) },
                ratio: round(guarded.p99 / bare.p99, 1),
              },
            )
          } finally {
            copy.close()
          }
        }
      } finally {
        db.close()
      }
      log(`${size}: apply p50 ${round(applied.get(size)!.p50, 3)} ms, p99 ${round(applied.get(size)!.p99, 3)} ms`)
    }

    const largest = sizes.at(-1)!
    const small = applied.get(1_000)!
    const big = applied.get(largest)!
    figures.push({
      measure: `withdraw apply p99 @${largest.toLocaleString('en-US')}`,
      value: round(big.p99, 3),
      unit: 'ms',
      baseline: { measure: 'p99 @1,000', value: round(small.p99, 3) },
      ratio: round(big.p99 / small.p99, 2),
      target: '<= 5 ms, <= 3x',
      pass: big.p99 <= 5 && big.p99 / small.p99 <= 3,
    })
    return { figures, details: { ...details, withdrawsPerSize: perSize } }
  },
}

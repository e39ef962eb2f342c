/**
 * How far a catch-up is, for the UI: after each (re)connect, the server replays what this
 * device missed, and a first sync or a long absence can be thousands of events. They are
 * counted as they commit, and `sync:progress` tells the renderer how many were applied and
 * how far in server time they reach, at most every PROGRESS_INTERVAL_MS. A short catch-up
 * (fewer than SHOW_AFTER_EVENTS) says nothing. It is over once an event stamped after the
 * connection began arrives (the stream is live), or the stream goes quiet.
 */
import type { EmitEvent, SyncProgress } from '../../../shared/bridge'
import type { ServerEvent } from '../../../shared/protocol'

export const SHOW_AFTER_EVENTS = 200
export const PROGRESS_INTERVAL_MS = 250
/** No event for this long: the replay is over (the server sends it page after page, without pauses). */
export const QUIET_MS = 1_000

export class SyncProgressReporter {
  private progress: SyncProgress | null = null
  private shown = false
  private lastShownAt = Number.NEGATIVE_INFINITY
  private lastEventAt = 0
  private quietTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly emit: EmitEvent,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A connection began at server time `serverTime`: what it replays first is the catch-up. */
  onConnected(serverTime: number): void {
    this.finish()
    this.progress = { applied: 0, from: serverTime, upTo: serverTime, until: serverTime, done: false }
  }

  /** An event was committed (in stream order). Cheap: it runs for every event of a replay. */
  onApplied(event: ServerEvent): void {
    const p = this.progress
    if (!p) return
    if (event.ts > p.until) {
      // stamped after the connection began: the replay is behind us
      this.finish()
      return
    }
    if (p.applied === 0) p.from = p.upTo = event.ts
    p.applied += 1
    p.upTo = Math.max(p.upTo, event.ts)
    const now = this.now()
    this.lastEventAt = now
    if (p.applied < SHOW_AFTER_EVENTS || now - this.lastShownAt < PROGRESS_INTERVAL_MS) return
    this.show(now)
    this.quietTimer ??= setInterval(() => {
      if (this.now() - this.lastEventAt >= QUIET_MS) this.finish()
    }, QUIET_MS)
    this.quietTimer.unref()
  }

  /** The connection went away, or the replay ended: a catch-up that was shown is reported done. */
  finish(): void {
    if (this.quietTimer) clearInterval(this.quietTimer)
    this.quietTimer = null
    const p = this.progress
    this.progress = null
    if (p && this.shown) this.emit('sync:progress', { ...p, done: true })
    this.shown = false
    this.lastShownAt = Number.NEGATIVE_INFINITY
  }

  private show(now: number): void {
    this.shown = true
    this.lastShownAt = now
    this.emit('sync:progress', { ...this.progress! })
  }
}

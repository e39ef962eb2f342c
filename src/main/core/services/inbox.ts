import { logger } from '../../../shared/log'
import type { EventFrame } from '../../../shared/protocol'
import type { ServerReply } from '../net/connection'
import { sliceEnd, wake, type Chore } from '../turns'

const log = logger('core.inbox')

/** Work done per turn of the event loop before the rest waits for the next turn. */
export const SLICE_MS = 10
/** Events applied in one transaction at most. */
export const MAX_EVENTS_PER_COMMIT = 64

/**
 * Frames read from the socket, handled strictly in order, a slice at a time. A run of
 * events is applied several per transaction (one commit each, instead of one per event:
 * a commit costs far more than applying one event), and once the slice is used up the
 * rest waits for a later turn of the event loop (turns.ts: the slice is shared with
 * the other background work of that turn), so a replay of thousands of events never
 * blocks the main process for long.
 */
export class Inbox implements Chore {
  private readonly frames: ServerReply[] = []
  /** A drain is running or scheduled. */
  private draining = false

  constructor(
    /** False: not now (nothing was done); the same events are offered again in a later step. */
    private readonly applyEvents: (frames: EventFrame[]) => unknown,
    private readonly handleOther: (frame: ServerReply) => void,
  ) {}

  push(frames: readonly ServerReply[]): void {
    for (const f of frames) this.frames.push(f)
    if (this.draining) return
    this.draining = true
    if (this.step(sliceEnd(SLICE_MS))) wake(this)
  }

  /** The socket is gone: what it delivered but was not handled is dropped (events are replayed, requests resent). */
  clear(): void {
    this.frames.length = 0
  }

  step(deadline: number): boolean {
    while (this.frames.length > 0) {
      if (performance.now() >= deadline) return true
      let run = 0
      while (run < this.frames.length && run < MAX_EVENTS_PER_COMMIT && this.frames[run]!.type === 'event') run++
      try {
        if (run > 0) {
          const events = this.frames.splice(0, run) as EventFrame[]
          if (this.applyEvents(events) === false) {
            this.frames.unshift(...events)
            return true
          }
        } else this.handleOther(this.frames.shift()!)
      } catch (err) {
        // one frame's failure must not stop the ones after it
        log.error({ err: (err as Error).message }, 'frame not handled')
      }
    }
    this.draining = false
    return false
  }
}

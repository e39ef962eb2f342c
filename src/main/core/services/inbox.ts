import { logger } from '../../../shared/log'
import type { EventFrame } from '../../../shared/protocol'
import type { ServerReply } from '../net/connection'

const log = logger('core.inbox')

/** Work done per turn of the event loop before the rest waits for the next turn. */
export const SLICE_MS = 10
/** Events applied in one transaction at most. */
export const MAX_EVENTS_PER_COMMIT = 64

/**
 * Frames read from the socket, handled strictly in order, a slice at a time. A run of
 * events is applied several per transaction (one commit each, instead of one per event:
 * a commit costs far more than applying one event), and after SLICE_MS of work the rest
 * waits for the next turn of the event loop, so a replay of thousands of events never
 * blocks the main process for long.
 */
export class Inbox {
  private readonly frames: ServerReply[] = []
  /** A drain is running or scheduled. */
  private draining = false

  constructor(
    private readonly applyEvents: (frames: EventFrame[]) => void,
    private readonly handleOther: (frame: ServerReply) => void,
  ) {}

  push(frames: readonly ServerReply[]): void {
    for (const f of frames) this.frames.push(f)
    if (!this.draining) this.drain()
  }

  /** The socket is gone: what it delivered but was not handled is dropped (events are replayed, requests resent). */
  clear(): void {
    this.frames.length = 0
  }

  private drain(): void {
    this.draining = true
    const until = performance.now() + SLICE_MS
    while (this.frames.length > 0) {
      if (performance.now() >= until) {
        setImmediate(() => this.drain())
        return
      }
      let run = 0
      while (run < this.frames.length && run < MAX_EVENTS_PER_COMMIT && this.frames[run]!.type === 'event') run++
      try {
        if (run > 0) this.applyEvents(this.frames.splice(0, run) as EventFrame[])
        else this.handleOther(this.frames.shift()!)
      } catch (err) {
        // one frame's failure must not stop the ones after it
        log.error({ err: (err as Error).message }, 'frame not handled')
      }
    }
    this.draining = false
  }
}

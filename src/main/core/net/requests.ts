/**
 * Requests this device sent and whose answer it still expects, by frame id. Every `ack`,
 * `error` carrying an id and `lookup-result` from the server goes to the one handler that
 * registered that id when the frame went out (a live send, a withdraw, a group op, a
 * lookup, the outbox resending after a reconnect), so no service has to guess whether an
 * answer is its own.
 */
import type { ClientFrame, ServerFrame } from '../../../shared/protocol'
import type { Connection } from './connection'

/** The server's answer to one frame. */
export type Reply = Extract<ServerFrame, { type: 'ack' | 'lookup-result' }> | (Extract<ServerFrame, { type: 'error' }> & { id: string })

/** Frames the server answers, each under its own id. */
export type Request = Extract<ClientFrame, { id: string }>

/**
 * Callers waiting for something keyed by id. A wait ends with the value, or with null on
 * timeout or when cancelled (the caller decides what "no answer" means).
 */
export class Waiters<T> {
  private readonly waiting = new Map<string, { resolve: (v: T | null) => void; timer: NodeJS.Timeout | null }>()

  /** Wait for `id` (a caller already waiting for it gets null). No timeout when `timeoutMs` is absent. */
  wait(id: string, timeoutMs?: number): Promise<T | null> {
    this.settle(id, null)
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? null : setTimeout(() => this.settle(id, null), timeoutMs)
      timer?.unref()
      this.waiting.set(id, { resolve, timer })
    })
  }

  has(id: string): boolean {
    return this.waiting.has(id)
  }

  /** True when someone was waiting for it. */
  settle(id: string, value: T | null): boolean {
    const w = this.waiting.get(id)
    if (!w) return false
    this.waiting.delete(id)
    if (w.timer) clearTimeout(w.timer)
    w.resolve(value)
    return true
  }

  cancelAll(): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, null)
  }
}

export class PendingRequests {
  private readonly handlers = new Map<string, (reply: Reply) => unknown>()
  private readonly answers = new Waiters<unknown>()

  /**
   * Write `frame`; its answer goes to `onReply` when it comes, whether or not anyone waits
   * for it. False when it could not be written (nothing is expected then).
   */
  send(link: Connection, frame: Request, onReply: (reply: Reply) => unknown): boolean {
    this.expect(frame.id, onReply)
    if (link.send(frame)) return true
    this.forget(frame.id)
    return false
  }

  /**
   * `send`, and wait for what `onReply` returns: null when no answer came within
   * `timeoutMs` (a late one still reaches `onReply`) or the socket went away first.
   * Null at once, instead of a promise, when the frame could not be written.
   */
  ask<T>(link: Connection, frame: Request, onReply: (reply: Reply) => T, timeoutMs: number): Promise<T | null> | null {
    const answer = this.answers.wait(frame.id, timeoutMs) as Promise<T | null>
    return this.send(link, frame, onReply) ? answer : null
  }

  /** Someone waits for the answer to `id` (see `ask`). */
  isAwaited(id: string): boolean {
    return this.answers.has(id)
  }

  /** Hand `reply` to the handler of its frame; false when nothing expected it. */
  route(reply: Reply): boolean {
    const onReply = this.handlers.get(reply.id)
    if (!onReply) return false
    this.handlers.delete(reply.id)
    let value: unknown = null
    try {
      value = onReply(reply)
    } finally {
      this.answers.settle(reply.id, value)
    }
    return true
  }

  /**
   * The socket went away: answers come only on the socket a frame went out on, so none of
   * these will. Waiting callers get null; what must still reach the server is in the
   * outbox, which registers again when it resends.
   */
  forgetAll(): void {
    this.handlers.clear()
    this.answers.cancelAll()
  }

  private expect(id: string, onReply: (reply: Reply) => unknown): void {
    this.handlers.set(id, onReply)
  }

  private forget(id: string): void {
    this.handlers.delete(id)
    this.answers.settle(id, null)
  }
}

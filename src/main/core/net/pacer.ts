export interface PaceLimits {
  /** Frames that may go out at once. */
  capacity: number
  /** Steady rate afterwards. */
  perSecond: number
}

/**
 * Below the server's per-connection frame budget (a burst of 120, then 30/s): a client
 * flushing a long outbox must not have its frames refused as RATE_LIMITED.
 */
export const DEFAULT_PACE: PaceLimits = { capacity: 100, perSecond: 25 }

/**
 * Writes frames in order, as fast as a token bucket allows; the rest wait in memory.
 * Per socket: what is still waiting when it closes is dropped (the outbox is durable
 * and resent on the next connection; acknowledgements are cumulative).
 */
export class SendPacer {
  private tokens: number
  private updatedAt: number
  private readonly waiting: string[] = []
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly limits: PaceLimits,
    private readonly write: (data: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limits.capacity
    this.updatedAt = now()
  }

  push(data: string): void {
    this.waiting.push(data)
    this.drain()
  }

  get backlog(): number {
    return this.waiting.length
  }

  clear(): void {
    this.waiting.length = 0
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private drain(): void {
    this.refill()
    while (this.waiting.length > 0 && this.tokens >= 1) {
      this.tokens -= 1
      this.write(this.waiting.shift()!)
    }
    if (this.waiting.length > 0 && !this.timer) {
      const ms = Math.ceil(((1 - this.tokens) / this.limits.perSecond) * 1000)
      this.timer = setTimeout(() => {
        this.timer = null
        this.drain()
      }, ms)
    }
  }

  private refill(): void {
    const now = this.now()
    this.tokens = Math.min(this.limits.capacity, this.tokens + (Math.max(0, now - this.updatedAt) / 1000) * this.limits.perSecond)
    this.updatedAt = now
  }
}

/**
 * Callers waiting for the server's answer to a frame they sent, by frame id. A wait
 * ends with the answer, or with null on timeout or when the connection goes away
 * (the caller decides what "no answer" means).
 */
export class PendingReplies<T> {
  private readonly waiters = new Map<string, { resolve: (v: T | null) => void; timer: NodeJS.Timeout }>()

  wait(id: string, timeoutMs: number): Promise<T | null> {
    this.settle(id, null)
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(id, null), timeoutMs)
      timer.unref()
      this.waiters.set(id, { resolve, timer })
    })
  }

  has(id: string): boolean {
    return this.waiters.has(id)
  }

  /** True when someone was waiting for it. */
  settle(id: string, value: T | null): boolean {
    const w = this.waiters.get(id)
    if (!w) return false
    this.waiters.delete(id)
    clearTimeout(w.timer)
    w.resolve(value)
    return true
  }

  cancelAll(): void {
    for (const id of [...this.waiters.keys()]) this.settle(id, null)
  }
}

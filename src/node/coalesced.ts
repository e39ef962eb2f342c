/**
 * Work that many events ask for and one run satisfies: the WAL truncation (and search
 * merge) after withdraws, whose fsyncs cost milliseconds on the event loop's thread. The
 * first request runs it at once; requests within `windowMs` of the last run's end share
 * the next run, which starts when that window ends. Runs never overlap: a request during a
 * run is served by the next one, `windowMs` after it ends.
 */
export type RunStart = 'asked' | 'window-ended' | 'forced'

export class CoalescedRuns {
  private lastEndedAt = Number.NEGATIVE_INFINITY
  private timer: NodeJS.Timeout | null = null
  private running = false
  private wanted = false
  private closed = false

  constructor(
    private readonly windowMs: number,
    /**
     * Start a run; call `end` once it is over (now or later). `why`: `asked` (at once,
     * from the request), `window-ended` (from a timer), `forced` (see `runNow`).
     */
    private readonly start: (end: () => void, why: RunStart) => void,
  ) {}

  /** A run is under way. */
  get busy(): boolean {
    return this.running
  }

  /** Ask for a run: at once when the last one ended more than `windowMs` ago, else when that window ends. */
  request(): void {
    if (this.closed) return
    this.wanted = true
    if (this.running || this.timer) return
    const wait = this.lastEndedAt + this.windowMs - performance.now()
    if (wait <= 0) {
      this.begin('asked')
      return
    }
    this.timer = setTimeout(() => {
      this.timer = null
      this.begin('window-ended')
    }, wait)
    this.timer.unref()
  }

  /** Run now, not after the window (one run is still never started during another: that one is followed as usual). */
  runNow(): void {
    if (this.closed) return
    if (this.running) {
      this.wanted = true
      return
    }
    this.cancelTimer()
    this.begin('forced')
  }

  /**
   * No more runs. True when one was asked for and had not started (planned for the window's
   * end, or to follow the run in progress): the caller does what it would have done.
   */
  close(): boolean {
    const asked = this.wanted || this.timer !== null
    this.closed = true
    this.wanted = false
    this.cancelTimer()
    return asked
  }

  private begin(why: RunStart): void {
    this.wanted = false
    this.running = true
    let ended = false
    this.start(() => {
      if (ended) return
      ended = true
      this.running = false
      this.lastEndedAt = performance.now()
      // what was asked for during this run gets its own, after the window
      if (this.wanted) this.request()
    }, why)
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}

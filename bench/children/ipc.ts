/** The child side of lib/child.ts: config in, ready out, requests answered. */

export interface MemorySample {
  rss: number
  heapUsed: number
  heapTotal: number
  external: number
  arrayBuffers: number
}

export function benchConfig<T>(): T {
  const raw = process.env.BENCH_CONFIG
  if (!raw) throw new Error('BENCH_CONFIG is not set: this process is started by the benchmark runner')
  return JSON.parse(raw) as T
}

type Handler = (message: Record<string, unknown>) => Promise<Record<string, unknown>>

export function serveRequests(handlers: Record<string, Handler>): void {
  process.on('message', (raw) => {
    const message = raw as { id: number; type: string }
    const handler = handlers[message.type]
    const answer = handler
      ? handler(message).then(
          (value) => ({ ...value, replyTo: message.id }),
          (err: unknown) => ({ replyTo: message.id, error: (err as Error).message }),
        )
      : Promise.resolve({ replyTo: message.id, error: `unknown request ${message.type}` })
    void answer.then((reply) => process.send?.(reply))
  })
}

export function announceReady(url: string): void {
  process.send?.({ type: 'ready', url })
}

/** Memory after full collections, so the figure is what stays live, not garbage awaiting a GC. */
export async function settledMemory(): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run with --expose-gc')
  for (let i = 0; i < 4; i++) {
    gc()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage()
  return { rss, heapUsed, heapTotal, external, arrayBuffers }
}

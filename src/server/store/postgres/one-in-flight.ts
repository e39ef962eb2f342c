/**
 * Group commit for a networked engine: while one batch of a kind is being written, the
 * batches that arrive wait and go together as the next one. Without it every turn of the
 * event loop starts its own transaction; those transactions lock overlapping counter rows
 * (a message and its acknowledgement touch the same users), so they queue behind each
 * other's commits anyway, each paying a commit of its own for a handful of items. Each
 * caller still gets its own results, in order; a failed write rejects the callers in it.
 */
export function oneInFlight<I, O>(write: (items: readonly I[]) => Promise<O[]>): (items: readonly I[]) => Promise<O[]> {
  let waiting: Array<{ items: readonly I[]; resolve: (o: O[]) => void; reject: (err: unknown) => void }> = []
  let writing = false
  const next = (): void => {
    if (writing || waiting.length === 0) return
    const taken = waiting
    waiting = []
    writing = true
    write(taken.flatMap((t) => t.items))
      .then(
        (results) => {
          let at = 0
          for (const t of taken) {
            t.resolve(results.slice(at, at + t.items.length))
            at += t.items.length
          }
        },
        (err: unknown) => taken.forEach((t) => t.reject(err)),
      )
      .finally(() => {
        writing = false
        next()
      })
  }
  return (items) =>
    new Promise<O[]>((resolve, reject) => {
      waiting.push({ items, resolve, reject })
      next()
    })
}

/**
 * The store's batch writes fed one call at a time: the calls made during one turn of the
 * event loop (any number of connections' `send` and `received` frames) reach the store as
 * one batch, which it writes together (store/types.ts: Batches). Each caller still gets its
 * own result.
 */
import type { AckResult, AppendMessageResult, ChatStore, DeviceAck, NewMessage } from './store/types'

export interface TurnWrites {
  appendMessage(message: NewMessage): Promise<AppendMessageResult>
  ackDevice(ack: DeviceAck): Promise<AckResult>
}

export function turnWrites(store: ChatStore): TurnWrites {
  return {
    appendMessage: perTurn((messages) => store.appendMessages(messages)),
    ackDevice: perTurn((acks) => store.ackDevices(acks)),
  }
}

/** Calls collected until the event loop's check phase, then passed to `flush` in order. */
export function perTurn<I, O>(flush: (items: I[]) => Promise<O[]>): (item: I) => Promise<O> {
  let batch: Array<{ item: I; resolve: (o: O) => void; reject: (err: unknown) => void }> = []
  const run = () => {
    const taken = batch
    batch = []
    flush(taken.map((b) => b.item)).then(
      (results) => taken.forEach((b, i) => b.resolve(results[i]!)),
      (err: unknown) => taken.forEach((b) => b.reject(err)),
    )
  }
  return (item) =>
    new Promise<O>((resolve, reject) => {
      // after the I/O phase: every frame read in this turn joins
      if (batch.length === 0) setImmediate(run)
      batch.push({ item, resolve, reject })
    })
}

/** Drives many sends or withdraws from one raw client, a window of them in flight. */
import { newId } from '../../src/shared/ids'
import { REVOKE_FLAG } from '../../src/shared/protocol'
import type { AnyFrame, RawClient } from './raw-client'

const WINDOW = 64

/** Sends each frame, at most WINDOW unanswered at a time; resolves when every one is acked. */
export function sendAllAcked(client: RawClient, frames: { id: string }[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0
    let answered = 0
    const previous = client.onFrame
    const push = () => {
      while (next < frames.length && next - answered < WINDOW) client.send(frames[next++])
    }
    client.onFrame = (frame: AnyFrame) => {
      if (frame.type === 'error') {
        client.onFrame = previous
        reject(new Error(`server refused ${frame.id}: ${frame.code} ${frame.message}`))
        return
      }
      if (frame.type !== 'ack') return
      answered++
      if (answered === frames.length) {
        client.onFrame = previous
        resolve()
      } else push()
    }
    push()
  })
}

export function sendFrames(conversationId: string, texts: string[]): { type: 'send'; id: string; conversationId: string; text: string }[] {
  return texts.map((text) => ({ type: 'send', id: newId(), conversationId, text }))
}

export function withdrawFrames(conversationId: string, msgIds: string[]) {
  return msgIds.map((msgId) => ({
    type: 'cmd' as const,
    id: newId(),
    conversationId,
    chatType: 'Chat' as const,
    action: REVOKE_FLAG,
    ext: { msgId },
  }))
}

/** Chat-like text of varied length, deterministic per index. */
export function chatText(i: number): string {
  const words = ['see', 'you', 'at', 'the', 'station', 'tomorrow', 'morning', 'bring', 'coffee', 'please', 'and', 'the', 'slides', 'for', 'Friday']
  const n = 4 + (i % 13)
  return Array.from({ length: n }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ') + ` #${i}`
}

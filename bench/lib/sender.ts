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

const COMMON = (
  'the to and a i you it of in is that for on me my we be this have are not at so with do can just it\'s ' +
  'but was what all if get no your will up out about like know when there one good see go yes ok time ' +
  'how now think later today tomorrow tonight morning home work call meet coffee lunch dinner train bus ' +
  'station office meeting slides friday monday weekend thanks please sorry sure great nice love haha lol'
).split(' ')
const SYLLABLES = ['ka', 'ri', 'mo', 'te', 'lu', 'sa', 'ne', 'po', 'vi', 'da', 'shi', 'ro', 'en', 'ta', 'mi', 'zo', 'be', 'gu', 'li', 'no']

/** ~2,000 words: everyday ones first, then names and rarer words; picked with a Zipf law. */
const VOCABULARY = [
  ...COMMON,
  ...Array.from({ length: 2_000 - COMMON.length }, (_, i) => {
    let word = ''
    for (let n = i + 7, k = 0; k < 2 + (i % 3); k++, n = Math.floor(n / SYLLABLES.length) + k * 7) {
      word += SYLLABLES[n % SYLLABLES.length]
    }
    return word
  }),
]
const ZIPF_CDF = (() => {
  const weights = VOCABULARY.map((_, rank) => 1 / (rank + 1))
  const total = weights.reduce((a, b) => a + b, 0)
  let sum = 0
  return weights.map((w) => (sum += w / total))
})()

function pick(u: number): string {
  let lo = 0
  let hi = ZIPF_CDF.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (ZIPF_CDF[mid]! < u) lo = mid + 1
    else hi = mid
  }
  return VOCABULARY[lo]!
}

/**
 * Chat-like text, deterministic per index: 3 to 20 words of a ~2,000-word vocabulary with
 * a Zipf distribution, so the search index has the shape a real history gives it (a few
 * very common trigrams, a long tail of rare ones).
 */
export function chatText(i: number): string {
  let seed = (i + 1) * 2_654_435_761
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    return seed / 2 ** 31
  }
  const n = 3 + Math.floor(next() * 18)
  return Array.from({ length: n }, () => pick(next())).join(' ')
}

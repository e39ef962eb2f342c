/**
 * Hostile WebSocket frames for the protocol fuzzer, and what the server must answer to
 * each. Generation is seeded (FUZZ_SEED reproduces a run). The expected answer is derived
 * from the protocol's own rules (docs/protocol.md) and its zod schemas, never from the
 * server's code: bad frames get `error` with a code, valid ones their normal answer.
 */
import { newId } from '../../src/shared/ids'
import {
  ClientFrame,
  directConversationId,
  ErrorCode,
  MAX_FRAME_BYTES,
  MAX_REASON_LENGTH,
  MAX_TEXT_LENGTH,
  PROTOCOL_VERSION,
  REVOKE_FLAG,
  type ServerFrame,
} from '../../src/shared/protocol'

// ---------------------------------------------------------------- seeded randomness

export class Rng {
  private state: number
  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 1
  }
  /** mulberry32 */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255)
    return b
  }
}

// ---------------------------------------------------------------- hostile text

/** Right-to-left text, bidi overrides, zero-width characters, emoji sequences, combining marks, lone surrogates, NUL. */
export const UNICODE_SAMPLES: readonly string[] = [
  'مرحبا بالعالم',
  'שלום עולם',
  '\u202Egnirts desrever\u202C',
  '\u2066isolate\u2069\u200F\u200E',
  'zero\u200Bwidth\u200C\u200D\uFEFFjoin',
  '👩‍👩‍👧‍👦🏳️‍🌈🧑🏽‍🚀',
  '🇺🇳🇯🇵🇧🇷',
  'Z̴̡̛͉͎̤̳̗͈͚̩̪̹̈́̒̽̓̈́͒a̶͕̳͊l̶̨̛g̶o̴',
  '\uD800',
  '\uDFFF lone low',
  '\u0000nul\u0000',
  '\u0007\u001b[31mANSI\u001b[0m',
  '漢字かなカナ한국어',
  '\uFFFE\uFFFF',
  '𝕳𝖊𝖑𝖑𝖔 𝔀𝓸𝓻𝓵𝓭',
  '<script>alert(1)</script>',
  "'; DROP TABLE messages; --",
  '\r\n\t\v\f',
]

export function unicodeText(rng: Rng, maxUnits: number): string {
  let text = ''
  const target = rng.int(1, maxUnits)
  while (text.length < target) text += rng.pick(UNICODE_SAMPLES)
  return text.slice(0, maxUnits) || 'x'
}

// ---------------------------------------------------------------- the cases

export type Category =
  | 'malformed'
  | 'truncated'
  | 'wrongly-typed'
  | 'unicode'
  | 'oversized'
  | 'out-of-order'
  | 'binary'
  | 'invalid-utf8'
  | 'too-big'

/** One frame to put on the wire. `binary` frames go as binary; everything else as a text frame of these exact bytes. */
export interface FuzzCase {
  category: Category
  bytes: Buffer
  binary: boolean
}

/** What a lane knows to aim its frames at things that exist. */
export interface FuzzWorld {
  /** The fuzzing user of this lane. */
  me: string
  /** Other fuzzing users (valid 1:1 partners). */
  peers: readonly string[]
  /** Users the fuzzers must never reach (their conversation ids are fair game: NOT_MEMBER). */
  bystanders: readonly string[]
  /** Ids of messages this lane sent successfully (targets for withdraws and resends). */
  sentIds: string[]
  /** Ids of bystanders' messages. */
  bystanderIds: string[]
  /** Highest event seq this lane's connection received. */
  highestSeq: number
}

function text(value: unknown): FuzzCase['bytes'] {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8')
}

/** A structurally valid frame of any kind, aimed inside the fuzzers' own world. */
export function validFrame(rng: Rng, w: FuzzWorld): Record<string, unknown> {
  const own = directConversationId(w.me, rng.pick(w.peers))
  const someMsg = () => (w.sentIds.length > 0 && rng.chance(0.7) ? rng.pick(w.sentIds) : newId())
  switch (rng.int(0, 5)) {
    case 0:
      return { type: 'send', id: newId(), conversationId: own, text: rng.chance(0.5) ? unicodeText(rng, 200) : 'fuzz' }
    case 1:
      return { type: 'cmd', id: newId(), conversationId: own, chatType: 'Chat', action: REVOKE_FLAG, ext: { msgId: someMsg() } }
    case 2:
      return { type: 'received', seq: rng.chance(0.8) ? w.highestSeq : rng.int(0, 2 ** 40) }
    case 3:
      return { type: 'lookup', id: newId(), username: rng.chance(0.5) ? rng.pick(w.peers) : unicodeText(rng, 64) }
    case 4:
      return {
        type: 'group',
        id: newId(),
        op: { kind: 'create', conversationId: `g:${newId()}`, name: unicodeText(rng, 30), members: [rng.pick(w.peers)] },
      }
    default:
      return { type: 'hello', v: PROTOCOL_VERSION }
  }
}

const WRONG_VALUES: readonly unknown[] = [
  null,
  0,
  -1,
  1.5,
  Number.MAX_SAFE_INTEGER,
  1e308,
  true,
  '',
  ' ',
  'null',
  [],
  [1, 2, 3],
  {},
  { $gt: '' },
  { __proto__: { polluted: true } },
  '0197a1f3-0000-7000-8000-00000000000G',
  '0197A1F3-0000-7000-8000-000000000001',
  'dm:alice:alice:alice',
  'g:../../etc/passwd',
]

function mutate(rng: Rng, frame: Record<string, unknown>): unknown {
  const copy: Record<string, unknown> = structuredClone(frame)
  const keys = Object.keys(copy)
  switch (rng.int(0, 6)) {
    case 0: // a field of the wrong type
      copy[rng.pick(keys)] = rng.pick(WRONG_VALUES)
      return copy
    case 1: // a field missing
      delete copy[rng.pick(keys)]
      return copy
    case 2: // an unknown or wrongly typed discriminator
      copy.type = rng.pick(['SEND', 'teleport', '', 42, null, ['send'], 'constructor', '__proto__', 'toString'])
      return copy
    case 3: // nested garbage where an object is expected
      if ('ext' in copy) copy.ext = rng.pick([null, 'x', [frame], { msgId: 7 }, { msgId: newId(), reason: 5 }])
      else if ('op' in copy) copy.op = rng.pick([null, { kind: 'explode' }, { kind: 'create' }, [1]])
      else copy.type = 7
      return copy
    case 4: // prototype-pollution keys
      return JSON.parse(`{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}, "type": ${JSON.stringify(copy.type)}, "id": 5}`)
    case 5: // the whole frame is not an object
      return rng.pick([null, 1, 'send', [copy], true])
    default: // every string field turned into a number
      for (const k of keys) if (typeof copy[k] === 'string') copy[k] = rng.int(-5, 5)
      return copy
  }
}

/** A frame that must not be mistaken for anything: the generator's bad cases. */
export function fuzzCase(rng: Rng, w: FuzzWorld, opts: { allowClosers: boolean }): FuzzCase {
  const roll = rng.next()
  if (opts.allowClosers && roll < 0.006) {
    return { category: 'too-big', binary: rng.chance(0.2), bytes: tooBig(rng) }
  }
  if (opts.allowClosers && roll < 0.012) {
    // 0xff never occurs in UTF-8
    return { category: 'invalid-utf8', binary: false, bytes: Buffer.concat([text('{"type":"send","text":"'), Buffer.from([0xff, 0xfe, 0xc3]), text('"}')]) }
  }
  if (roll < 0.06) return { category: 'binary', binary: true, bytes: rng.bytes(rng.int(0, 512)) }
  if (roll < 0.24) return { category: 'malformed', binary: false, bytes: malformed(rng) }
  if (roll < 0.4) {
    const full = JSON.stringify(validFrame(rng, w))
    return { category: 'truncated', binary: false, bytes: text(full.slice(0, rng.int(0, full.length - 1))) }
  }
  if (roll < 0.62) return { category: 'wrongly-typed', binary: false, bytes: text(mutate(rng, validFrame(rng, w))) }
  if (roll < 0.74) return { category: 'unicode', binary: false, bytes: text(unicodeFrame(rng, w)) }
  if (roll < 0.84) return { category: 'oversized', binary: false, bytes: text(oversized(rng, w)) }
  return { category: 'out-of-order', binary: false, bytes: text(outOfOrder(rng, w)) }
}

function malformed(rng: Rng): Buffer {
  const samples: (() => string)[] = [
    () => '',
    () => '{',
    () => '}{',
    () => '{"type":"send",}',
    () => "{'type':'hello','v':1}",
    () => `\uFEFF{"type":"hello","v":${PROTOCOL_VERSION}}`,
    () => 'undefined',
    () => 'NaN',
    () => '{"type":"hello","v":01}',
    () => `{"type":"hello","v":${PROTOCOL_VERSION}}{"type":"hello","v":${PROTOCOL_VERSION}}`,
    () => '['.repeat(rng.int(1, 5_000)),
    () => `${'['.repeat(2_000)}${']'.repeat(2_000)}`,
    () => `{"type":"send","text":${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}}`,
    () => `"${'\\'.repeat(rng.int(1, 9))}"`,
    () => '{"type":"lookup","id":"\\ud800","username":"\\u0000"}',
    () => rng.bytes(rng.int(1, 300)).toString('latin1'),
    () => rng.bytes(rng.int(1, 300)).toString('base64'),
    () => `{"type":"received","seq":${'9'.repeat(400)}}`,
    () => '{"type":"received","seq":-0}',
    () => '{"type":"received","seq":1e400}',
  ]
  return text(rng.pick(samples)())
}

function unicodeFrame(rng: Rng, w: FuzzWorld): unknown {
  const own = directConversationId(w.me, rng.pick(w.peers))
  switch (rng.int(0, 4)) {
    case 0: // valid: a message full of hostile text
      return { type: 'send', id: newId(), conversationId: own, text: unicodeText(rng, 2_000) }
    case 1: // a conversation id that only looks right
      return { type: 'send', id: newId(), conversationId: own.replace('dm:', rng.pick(['dм:', 'dm\u200B:', 'ｄｍ:'])), text: 'hi' }
    case 2: // an id with lookalike digits
      return { type: 'lookup', id: newId().replace(/[0-9]/, rng.pick(['٣', '０', '𝟘'])), username: w.me }
    case 3: // valid: a lookup for a name that cannot exist
      return { type: 'lookup', id: newId(), username: unicodeText(rng, 64) }
    default: // a withdraw reason full of bidi tricks
      return {
        type: 'cmd',
        id: newId(),
        conversationId: own,
        chatType: 'Chat',
        action: REVOKE_FLAG,
        ext: { msgId: w.sentIds.length ? rng.pick(w.sentIds) : newId(), reason: unicodeText(rng, MAX_REASON_LENGTH) },
      }
  }
}

function oversized(rng: Rng, w: FuzzWorld): unknown {
  const own = directConversationId(w.me, rng.pick(w.peers))
  switch (rng.int(0, 4)) {
    case 0:
      return { type: 'send', id: newId(), conversationId: own, text: 'x'.repeat(MAX_TEXT_LENGTH + rng.int(1, 5_000)) }
    case 1:
      return { type: 'cmd', id: newId(), conversationId: own, chatType: 'Chat', action: REVOKE_FLAG, ext: { msgId: newId(), reason: 'r'.repeat(MAX_REASON_LENGTH + 1) } }
    case 2:
      return { type: 'lookup', id: newId(), username: 'u'.repeat(rng.int(65, 20_000)) }
    case 3:
      return { type: 'hello', v: PROTOCOL_VERSION, client: 'c'.repeat(rng.int(65, 20_000)) }
    default:
      return { type: 'send', id: 'i'.repeat(rng.int(65, 5_000)), conversationId: own, text: 'long id' }
  }
}

function outOfOrder(rng: Rng, w: FuzzWorld): unknown {
  const own = directConversationId(w.me, rng.pick(w.peers))
  const [b1, b2] = w.bystanders
  const theirs = directConversationId(b1!, b2!)
  const withNobody = directConversationId(w.me, `nobody_${rng.int(0, 999)}`)
  const cmd = (conversationId: string, msgId: string) => ({ type: 'cmd', id: newId(), conversationId, chatType: 'Chat', action: REVOKE_FLAG, ext: { msgId } })
  const bystanderMsg = () => (w.bystanderIds.length ? rng.pick(w.bystanderIds) : newId())
  const options: (() => unknown)[] = [
    () => ({ type: 'hello', v: PROTOCOL_VERSION }), // a second hello
    () => ({ type: 'hello', v: rng.pick([0, PROTOCOL_VERSION - 1, PROTOCOL_VERSION + 1, 99, -1]) }), // another version, after the handshake
    () => ({ type: 'received', seq: rng.pick([0, 2 ** 52, w.highestSeq + 1_000]) }),
    () => cmd(own, newId()), // withdraw before the message exists
    () => cmd(theirs, bystanderMsg()), // someone else's conversation
    () => cmd(own, bystanderMsg()), // someone else's message through my conversation
    () => ({ type: 'send', id: newId(), conversationId: theirs, text: 'let me in' }),
    () => ({ type: 'send', id: newId(), conversationId: withNobody, text: 'anyone?' }),
    () => ({ type: 'send', id: w.sentIds.length ? rng.pick(w.sentIds) : newId(), conversationId: own, text: 'again' }),
    () => ({ type: 'send', id: bystanderMsg(), conversationId: own, text: 'stolen id' }),
    () => ({ type: 'send', id: newId(), conversationId: `dm:${[w.me, rng.pick(w.peers)].sort().reverse().join(':')}`, text: 'unsorted' }),
    () => ({ type: 'group', id: newId(), op: { kind: 'add', conversationId: `g:${newId()}`, usernames: [rng.pick(w.bystanders)] } }),
    () => ({ type: 'group', id: newId(), op: { kind: 'remove', conversationId: `g:${newId()}`, username: w.me } }),
  ]
  // never a message into a conversation with a bystander: they must notice nothing
  return rng.pick(options)()
}

function tooBig(rng: Rng): Buffer {
  const padding = 'p'.repeat(MAX_FRAME_BYTES + rng.int(1, 64 * 1024))
  return text({ type: 'send', id: newId(), conversationId: 'dm:a_fuzz:b_fuzz', text: padding })
}

/** A frame to send on a connection that has not said hello yet (the socket is authenticated, the session is not). */
export function preHelloCase(rng: Rng, w: FuzzWorld): FuzzCase {
  if (rng.chance(0.05)) return { category: 'out-of-order', binary: false, bytes: text({ type: 'hello', v: rng.pick([2, 0, 7]) }) }
  if (rng.chance(0.4)) return { category: 'out-of-order', binary: false, bytes: text(validFrame(rng, w)) }
  return fuzzCase(rng, w, { allowClosers: false })
}

// ---------------------------------------------------------------- expectations

export type Expected =
  /** No answer at all (a valid `received`). */
  | { kind: 'none' }
  /** One non-event frame answering this one. */
  | { kind: 'reply'; check: (reply: ServerFrame) => string | null; valid: boolean; greets: boolean; closes?: number }
  /** The socket closes with this code (after any answer given before). */
  | { kind: 'close'; code: number }

const KNOWN_ERROR_CODES = new Set<string>(ErrorCode.options)

function readableId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const id = (value as { id?: unknown }).id
  return typeof id === 'string' && id.length <= 64 ? id : undefined
}

function errorWith(code: string | null, id: string | undefined): (r: ServerFrame) => string | null {
  return (r) => {
    if (r.type !== 'error') return `expected an error frame, got ${r.type}`
    if (!KNOWN_ERROR_CODES.has(r.code)) return `unknown error code ${r.code}`
    if (r.code === 'INTERNAL') return 'INTERNAL error: the server failed on a frame'
    if (r.code !== 'RATE_LIMITED' && code !== null && r.code !== code) return `expected ${code}, got ${r.code}`
    if (r.id !== id) return `expected error id ${String(id)}, got ${String(r.id)}`
    return null
  }
}

/** What the protocol says the server answers to `fc` on a connection that did (`greeted`) or did not say hello yet. */
export function expectationFor(fc: FuzzCase, greeted: boolean): Expected {
  if (fc.category === 'too-big') return { kind: 'close', code: 1009 }
  if (fc.category === 'invalid-utf8') return { kind: 'close', code: 1007 }
  if (fc.binary) return { kind: 'reply', valid: false, greets: false, check: errorWith('BAD_FRAME', undefined) }
  let raw: unknown
  try {
    raw = JSON.parse(fc.bytes.toString('utf8'))
  } catch {
    return { kind: 'reply', valid: false, greets: false, check: errorWith('BAD_FRAME', undefined) }
  }
  const parsed = ClientFrame.safeParse(raw)
  if (!parsed.success) return { kind: 'reply', valid: false, greets: false, check: errorWith('BAD_FRAME', readableId(raw)) }
  const frame = parsed.data
  const id = 'id' in frame ? frame.id : undefined
  if (!greeted) {
    if (frame.type !== 'hello') return { kind: 'reply', valid: true, greets: false, check: errorWith('HELLO_REQUIRED', id) }
    if (frame.v !== PROTOCOL_VERSION) return { kind: 'reply', valid: true, greets: false, closes: 1002, check: errorWith('UNSUPPORTED_VERSION', undefined) }
    return { kind: 'reply', valid: true, greets: true, check: (r) => (r.type === 'welcome' ? null : `expected welcome, got ${r.type}`) }
  }
  switch (frame.type) {
    case 'hello':
      return { kind: 'reply', valid: true, greets: false, check: errorWith('BAD_FRAME', undefined) }
    case 'received':
      return { kind: 'none' }
    case 'lookup':
      return {
        kind: 'reply',
        valid: true,
        greets: false,
        check: (r) =>
          r.type === 'lookup-result' && r.id === id ? null : r.type === 'error' ? errorWith('RATE_LIMITED', id)(r) : `expected lookup-result ${id}, got ${JSON.stringify(r).slice(0, 200)}`,
      }
    default:
      return {
        kind: 'reply',
        valid: true,
        greets: false,
        check: (r) => (r.type === 'ack' && r.id === id ? null : r.type === 'error' ? errorWith(null, id)(r) : `expected ack or error for ${id}, got ${r.type}`),
      }
  }
}

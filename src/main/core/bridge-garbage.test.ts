/**
 * The renderer is untrusted input for main: whatever it passes to whatever bridge call,
 * the answer is a typed `Result`, never an exception, and main keeps working. Values are
 * the ones that can cross IPC (structured clone: cycles, Maps, typed arrays, BigInt...)
 * or browser mode's JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BridgeErrorCode, dispatchInvoke, invokeNames, invokes, type Result } from '../../shared/bridge'
import { openTestCore, type TestCore, unwrap } from './testing/harness'

function cyclic(): unknown {
  const a: Record<string, unknown> = { username: 'loop' }
  a.self = a
  a.conversationId = a
  return a
}

function nested(depth: number): unknown {
  let v: unknown = 'bottom'
  for (let i = 0; i < depth; i++) v = { conversationId: v, text: [v] }
  return v
}

/** Whole-argument garbage. */
const GARBAGE: readonly unknown[] = [
  undefined,
  null,
  true,
  0,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 53 + 1,
  10n,
  '',
  'args',
  '\u0000',
  '\uD800',
  'x'.repeat(1_000_000),
  [],
  [1, 'a', null, {}],
  new Array(100_000).fill('x'),
  {},
  Object.create(null),
  JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
  new Date(0),
  /regexp/g,
  new Map([['username', 'alice']]),
  new Set(['alice']),
  new Uint8Array([1, 2, 3]),
  new ArrayBuffer(8),
  new Error('not an argument'),
  cyclic(),
  nested(5_000),
]

/** Garbage for one field of an otherwise plausible argument. */
const FIELD_GARBAGE: readonly unknown[] = [
  undefined,
  null,
  false,
  -0,
  -1,
  0.5,
  Number.NaN,
  1e308,
  10n,
  '',
  ' ',
  '\u202Egnp.exe',
  'a\u200Bb',
  '👩‍👩‍👧‍👦',
  "'; DROP TABLE messages; --",
  '<script>alert(1)</script>',
  'x'.repeat(100_000),
  'dm:a:b:c',
  'g:../../etc',
  '0197A1F3-0000-7000-8000-000000000001',
  [],
  ['alice', 42, null],
  {},
  { ts: 'now', id: [] },
  new Date(0),
  cyclic(),
]

const UNKNOWN_NAMES: readonly unknown[] = [
  '',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'session:get-state',
  'getSession ',
  'GETSESSION',
  'eval',
  'x'.repeat(10_000),
  '\uD800',
  null,
  undefined,
  42,
  {},
  [],
]

const codes = new Set<string>(BridgeErrorCode.options)

function problemWith(result: unknown): string | null {
  if (typeof result !== 'object' || result === null) return `not an object: ${String(result)}`
  const r = result as Result<unknown>
  if (r.ok === true) return 'value' in r ? null : 'ok without a value'
  if (r.ok !== false) return 'neither ok nor failed'
  if (!codes.has(r.error?.code)) return `unknown error code ${String(r.error?.code)}`
  if (typeof r.error.message !== 'string') return 'error without a message'
  return null
}

/** Every call name with every garbage value, as whole arguments and as each field. */
function* attempts(): Generator<{ name: unknown; args: unknown; label: string }> {
  for (const name of UNKNOWN_NAMES) yield { name, args: {}, label: `unknown name ${String(name).slice(0, 20)}` }
  for (const name of invokeNames) {
    for (const [i, args] of GARBAGE.entries()) yield { name, args, label: `${name} garbage #${i}` }
    const shape = (invokes[name].args as unknown as { shape?: Record<string, unknown> }).shape ?? {}
    for (const key of [...Object.keys(shape), 'extra', '__proto__']) {
      const others = Object.fromEntries(Object.keys(shape).filter((k) => k !== key).map((k) => [k, 'x']))
      for (const [i, value] of FIELD_GARBAGE.entries()) {
        yield { name, args: { [key]: value }, label: `${name}.${key} alone #${i}` }
        yield { name, args: { ...others, [key]: value }, label: `${name}.${key} #${i}` }
      }
    }
  }
}

async function hammer(t: TestCore): Promise<{ calls: number; problems: string[]; thrown: unknown[] }> {
  const problems: string[] = []
  const thrown: unknown[] = []
  let calls = 0
  for (const { name, args, label } of attempts()) {
    calls++
    let result: unknown
    try {
      result = await dispatchInvoke(t.core.handlers, name as string, args, (err) => thrown.push(err))
    } catch (err) {
      problems.push(`${label}: dispatch threw ${(err as Error).message}`)
      continue
    }
    const problem = problemWith(result)
    if (problem) problems.push(`${label}: ${problem}`)
  }
  return { calls, problems, thrown }
}

const HOSTILE_STRINGS: readonly string[] = [
  '',
  '   ',
  '<script>alert(1)</script>',
  "'; DROP TABLE messages; --",
  '" OR 1=1 --',
  '%_\\',
  'NEAR(a b) AND *',
  '\u202Eevil\u202C',
  'zero\u200Bwidth\uFEFF',
  '👩‍👩‍👧‍👦🇺🇳',
  'x'.repeat(200),
]

/** Arguments that pass the contract's schemas but make no sense: the handlers themselves must answer them. */
function* wellFormedNonsense(): Generator<{ name: string; args: unknown }> {
  const stranger = 'dm:zz_other:zz_stranger'
  const group = 'g:0197a1f3-0000-7000-8000-000000000001'
  const anyId = '0197a1f3-0000-7000-8000-00000000beef'
  for (const text of HOSTILE_STRINGS) {
    yield { name: 'signIn', args: { username: text, password: text } }
    yield { name: 'signUp', args: { username: text.slice(0, 64), password: text } }
    yield { name: 'openDirect', args: { username: text.slice(0, 64) || 'x' } }
    yield { name: 'sendMessage', args: { conversationId: stranger, text } }
    yield { name: 'searchMessages', args: { query: text } }
    yield { name: 'searchMessages', args: { query: text, conversationId: stranger, limit: 1 } }
    yield { name: 'createGroup', args: { name: text, members: [text.slice(0, 64)] } }
    yield { name: 'removeMember', args: { conversationId: group, username: text.slice(0, 64) } }
    yield { name: 'withdrawMessage', args: { messageId: anyId, reason: text } }
  }
  yield { name: 'markRead', args: { conversationId: stranger } }
  yield { name: 'listMessages', args: { conversationId: stranger, before: { ts: -1, id: 'x' }, limit: 500 } }
  yield { name: 'listMessages', args: { conversationId: stranger, around: anyId } }
  yield { name: 'listMessages', args: { conversationId: stranger, after: { ts: Number.MAX_VALUE, id: '' } } }
  yield { name: 'withdrawMessage', args: { messageId: anyId } }
  yield { name: 'reEdit', args: { messageId: anyId } }
  yield { name: 'getGroup', args: { conversationId: group } }
  yield { name: 'leaveGroup', args: { conversationId: group } }
  yield { name: 'addMembers', args: { conversationId: group, usernames: ['nobody_here'] } }
  yield { name: 'setRole', args: { conversationId: group, username: 'nobody_here', role: 'owner' } }
  yield { name: 'updateSettings', args: {} }
}

describe('bridge calls with garbage arguments', () => {
  let signedOut: TestCore
  let offline: TestCore
  beforeAll(async () => {
    signedOut = await openTestCore()
    offline = await openTestCore()
    // signed in, but the server never answers: calls that need it must not hang or throw
    unwrap(await offline.core.handlers.signUp({ username: 'garbage_user', password: 'correct horse battery' }))
  })
  afterAll(async () => {
    await signedOut?.dispose()
    await offline?.dispose()
  })

  for (const which of ['signed out', 'signed in, offline'] as const) {
    it(`answers every call with a typed Result when ${which}, and main keeps working`, async () => {
      const t = which === 'signed out' ? signedOut : offline
      const { calls, problems, thrown } = await hammer(t)
      expect(calls).toBeGreaterThan(4_000)
      expect(problems).toEqual([])
      // a handler that threw would have been caught as INTERNAL: none may throw
      expect(thrown).toEqual([])
      expect((await dispatchInvoke(t.core.handlers, 'getSession', {}, () => {})).ok).toBe(true)
    })
  }

  it('answers well-formed nonsense from the handlers themselves with typed errors', async () => {
    for (const t of [signedOut, offline]) {
      const thrown: unknown[] = []
      for (const { name, args } of wellFormedNonsense()) {
        const result = await dispatchInvoke(t.core.handlers, name, args, (err) => thrown.push(err))
        expect(problemWith(result), `${name} ${JSON.stringify(args).slice(0, 80)}`).toBeNull()
      }
      expect(thrown).toEqual([])
    }
  })

  it('names the call and the field in INVALID_ARGUMENT', async () => {
    const r = await dispatchInvoke(signedOut.core.handlers, 'sendMessage', { conversationId: 42, text: 'hi' }, () => {})
    expect(r).toEqual({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^sendMessage: conversationId: /) } })
    const unknown = await dispatchInvoke(signedOut.core.handlers, '__proto__', {}, () => {})
    expect(unknown).toEqual({ ok: false, error: { code: 'INVALID_ARGUMENT', message: 'unknown call: __proto__' } })
  })
})

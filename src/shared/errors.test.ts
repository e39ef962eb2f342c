import { describe, expect, it } from 'vitest'
import { bridgeErrorOf, PROTOCOL_ERRORS, refusedBy } from './errors'
import { ErrorCode } from './protocol'

describe('protocol errors', () => {
  it('gives every server code a meaning; only load and passing faults are worth sending again', () => {
    expect(Object.keys(PROTOCOL_ERRORS).sort()).toEqual([...ErrorCode.options].sort())
    const transient = ErrorCode.options.filter((code) => PROTOCOL_ERRORS[code].transient)
    expect(transient.sort()).toEqual(['INTERNAL', 'RATE_LIMITED'])
  })

  it('passes the server’s sentence on, except for codes the user has no word for', () => {
    expect(bridgeErrorOf({ code: 'NOT_MEMBER', message: 'you left' })).toEqual({ code: 'NOT_ALLOWED', message: 'you left' })
    expect(refusedBy({ code: 'ID_CONFLICT', message: 'x' })).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'server error: ID_CONFLICT' },
    })
  })
})

import { describe, expect, it } from 'vitest'
import { CURRENT_PARAMS, hashPassword, UNMATCHABLE_HASH, verifyPassword } from './passwords'

describe('passwords', () => {
  it('stores scrypt parameters, a 16-byte salt and a 64-byte key, and verifies', async () => {
    const hash = await hashPassword('correct horse battery')
    const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(hash)
    expect(m).not.toBeNull()
    expect({ ln: Number(m![1]), r: Number(m![2]), p: Number(m![3]) }).toEqual(CURRENT_PARAMS)
    expect(CURRENT_PARAMS).toEqual({ ln: 17, r: 8, p: 1 })
    expect(Buffer.from(m![4]!, 'base64')).toHaveLength(16)
    expect(Buffer.from(m![5]!, 'base64')).toHaveLength(64)

    expect(await verifyPassword('correct horse battery', hash)).toBe(true)
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false)
  })

  it('verifies with the parameters stored in the hash, not the current ones', async () => {
    const cheap = await hashPassword('legacy password', { ln: 14, r: 8, p: 1 })
    expect(cheap).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$/)
    expect(await verifyPassword('legacy password', cheap)).toBe(true)
  })

  it('matches nothing with the stand-in hash and refuses unreadable or absurd hashes', async () => {
    expect(await verifyPassword('anything at all', UNMATCHABLE_HASH)).toBe(false)
    await expect(verifyPassword('x', 'plaintext')).rejects.toThrow(/unreadable/)
    await expect(verifyPassword('x', '$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA')).rejects.toThrow(/unreadable/)
  })
})

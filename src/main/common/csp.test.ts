import { describe, expect, it } from 'vitest'
import { META_CSP, contentSecurityPolicy, contentSecurityPolicyHeader } from './csp'

describe('contentSecurityPolicy', () => {
  it('allows only our own scripts and styles, and no inline code', () => {
    const csp = contentSecurityPolicy({ connectSrc: [] })
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("style-src 'self'")
    expect(csp).toContain("connect-src 'none'")
    expect(csp).not.toContain('unsafe')
  })

  it('lets browser mode reach exactly its bridge', () => {
    expect(contentSecurityPolicyHeader({ connectSrc: ["'self'", 'ws://127.0.0.1:4000'] })).toContain(
      "connect-src 'self' ws://127.0.0.1:4000",
    )
  })

  it('puts frame-ancestors only in the header (a meta tag cannot carry it)', () => {
    expect(META_CSP).not.toContain('frame-ancestors')
    expect(contentSecurityPolicyHeader({ connectSrc: [] })).toContain("frame-ancestors 'none'")
  })
})

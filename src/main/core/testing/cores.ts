import { afterEach } from 'vitest'
import { signedInCore, type TestCore } from './harness'

/**
 * The cores a test file opens: push them here (or open them with `signedIn`) and each is
 * closed, and its profile deleted, after its test.
 */
export function disposedAfterEach(): TestCore[] & { signedIn(username: string): Promise<TestCore> } {
  const cores: TestCore[] = []
  afterEach(async () => {
    for (const t of cores.splice(0)) await t.dispose()
  })
  return Object.assign(cores, {
    async signedIn(username: string): Promise<TestCore> {
      const t = await signedInCore(username)
      cores.push(t)
      return t
    },
  })
}

/**
 * Accounts and sessions for load tests, written through the server's own store before the
 * server starts. Password hashing costs ~0.3 s of scrypt per account by design (and the
 * HTTP API rate-limits sign-ups per address), so a thousand accounts are not created over
 * HTTP: one real hash is shared by every seeded account, and each device gets a session
 * exactly as `Accounts.issueSession` makes one. `checkSignIn` then proves over HTTP that a
 * seeded account is a real one.
 */
import { newId } from '../../src/shared/ids'
import { hashPassword } from '../../src/server/passwords'
import { SqliteStore } from '../../src/server/store/sqlite/sqlite-store'
import type { ChatStore } from '../../src/server/store/types'
import { hashToken, newSessionToken } from '../../src/server/tokens'

export const BENCH_PASSWORD = 'bench-password-1'

export interface SeededDevice {
  username: string
  deviceId: string
  token: string
}

export async function seedAccounts(dataDir: string, usernames: readonly string[], devicesPerUser = 1): Promise<SeededDevice[]> {
  return seedAccountsInto(SqliteStore.open(dataDir), usernames, devicesPerUser)
}

/** The same through any store (the cluster's PostgreSQL one); closes `store` when done. */
export async function seedAccountsInto(store: ChatStore, usernames: readonly string[], devicesPerUser = 1): Promise<SeededDevice[]> {
  try {
    const passwordHash = await hashPassword(BENCH_PASSWORD)
    const devices: SeededDevice[] = []
    const now = Date.now()
    for (const username of usernames) {
      if ((await store.createUser({ username, passwordHash, createdAt: now })) !== 'created') {
        throw new Error(`seeding: ${username} exists already`)
      }
      for (let d = 0; d < devicesPerUser; d++) {
        const token = newSessionToken()
        const deviceId = newId()
        await store.createSession({ id: newId(), tokenHash: hashToken(token), username, deviceId, createdAt: now })
        devices.push({ username, deviceId, token })
      }
    }
    return devices
  } finally {
    await store.close()
  }
}

/** Signs in once over HTTP (full scrypt), proving the seeded accounts are ordinary accounts. */
export async function checkSignIn(serverUrl: string, username: string): Promise<void> {
  const res = await fetch(`${serverUrl.replace(/^ws/, 'http')}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: BENCH_PASSWORD, deviceId: newId() }),
  })
  if (res.status !== 200) throw new Error(`sign-in of seeded ${username} failed: ${res.status} ${await res.text()}`)
}

export function benchUsernames(prefix: string, count: number): string[] {
  const width = String(count - 1).length
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(width, '0')}`)
}

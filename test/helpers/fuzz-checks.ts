import { expect } from 'vitest'
import { newId } from '../../src/shared/ids'
import { directConversationId } from '../../src/shared/protocol'
import { sendText, signUp, TestClient, type TestServer } from '../../src/server/test-support/harness'
import type { ServerProcess } from './server-process'

/** After a campaign: the same process still answers health checks, and two new users can chat. */
export async function fuzzStillServes(server: ServerProcess): Promise<void> {
  const target: TestServer = { url: server.url, httpUrl: server.url.replace(/^ws/, 'http'), dataDir: server.dataDir, close: async () => {} }
  expect(await (await fetch(`${target.httpUrl}/v1/health`)).json()).toEqual({ ok: true })
  const suffix = newId().slice(0, 8)
  const [a, b] = [await signUp(target, `after_a_${suffix}`), await signUp(target, `after_b_${suffix}`)]
  const [ca, cb] = [await TestClient.connect(target, a), await TestClient.connect(target, b)]
  const { id, reply } = await sendText(ca, directConversationId(a.username, b.username), 'still here?')
  expect(reply).toMatchObject({ type: 'ack', id })
  await cb.next((f) => f.type === 'event' && f.event.kind === 'message' && f.event.id === id)
  await Promise.all([ca.close(), cb.close()])
}

/**
 * Text the server stores must come back as it was accepted: within MAX_TEXT_LENGTH and
 * one frame, or every member's client would refuse the event on every replay.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { newId } from '../shared/ids'
import { directConversationId, MAX_FRAME_BYTES, MAX_REASON_LENGTH, MAX_TEXT_LENGTH, REVOKE_FLAG, ServerFrame, PROTOCOL_VERSION } from '../shared/protocol'
import { type Account, sendText, signUp, startTestServer, TestClient, type TestServer } from './test-support/harness'

let server: TestServer
let alice: Account
let bob: Account
const ab = directConversationId('alice', 'bob')

beforeAll(async () => {
  server = await startTestServer()
  ;[alice, bob] = await Promise.all([signUp(server, 'alice'), signUp(server, 'bob')])
})
afterAll(() => server.close())

it('stores lone surrogates as one U+FFFD each, so the event still fits the limits the clients enforce', async () => {
  const a = await TestClient.connect(server, alice)
  const { id, reply } = await sendText(a, ab, '\uD800'.repeat(MAX_TEXT_LENGTH))
  expect(reply).toMatchObject({ type: 'ack', id })
  const cmdId = newId()
  a.send({ type: 'cmd', id: cmdId, conversationId: ab, chatType: 'Chat', action: REVOKE_FLAG, ext: { msgId: id, reason: '\uDC00'.repeat(MAX_REASON_LENGTH) } })
  expect(await a.reply(cmdId)).toMatchObject({ type: 'ack' })
  await a.close()

  const b = await TestClient.connect(server, bob, { hello: false })
  const raw: Buffer[] = []
  b.ws.on('message', (data) => raw.push(data as Buffer))
  b.send({ type: 'hello', v: PROTOCOL_VERSION })
  await b.sync()
  const events = raw.map((bytes) => ServerFrame.parse(JSON.parse(bytes.toString()))).filter((f) => f.type === 'event')
  // the message was withdrawn before bob connected: only the cmd reaches him, its reason intact
  expect(events).toHaveLength(1)
  expect(events[0]).toMatchObject({ event: { kind: 'cmd', ext: { msgId: id, reason: '\uFFFD'.repeat(MAX_REASON_LENGTH) } } })
  expect(Math.max(...raw.map((r) => r.length))).toBeLessThanOrEqual(MAX_FRAME_BYTES)
  await b.close()
})

it('hands a long text back within the limits', async () => {
  const a = await TestClient.connect(server, alice)
  const text = `${'\uD83D'.repeat(MAX_TEXT_LENGTH / 2)}${'😀'.repeat(MAX_TEXT_LENGTH / 4)}`
  const { id } = await sendText(a, ab, text)
  const b = await TestClient.connect(server, bob)
  const frame = await b.next((f) => f.type === 'event' && f.event.kind === 'message' && f.event.id === id)
  const back = (frame as { event: { text: string } }).event.text
  expect(back).toBe(`${'\uFFFD'.repeat(MAX_TEXT_LENGTH / 2)}${'😀'.repeat(MAX_TEXT_LENGTH / 4)}`)
  expect(Buffer.byteLength(JSON.stringify(frame))).toBeLessThanOrEqual(MAX_FRAME_BYTES)
  await Promise.all([a.close(), b.close()])
})

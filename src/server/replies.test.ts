import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../shared/ids'
import { directConversationId, type EventFrame } from '../shared/protocol'
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

describe('replies', () => {
  it('relays replyTo with the message, live and on replay, and only the id', async () => {
    const aliceClient = await TestClient.connect(server, alice)
    const { id: quoted } = await sendText(aliceClient, ab, 'the original')
    const reply = newId()
    aliceClient.send({ type: 'send', id: reply, conversationId: ab, text: 'an answer', replyTo: quoted })
    expect(await aliceClient.reply(reply)).toMatchObject({ type: 'ack', id: reply })

    // Alice's own log echoes it with the reference.
    const echoed = (await aliceClient.next(
      (f) => f.type === 'event' && f.event.kind === 'message' && f.event.id === reply,
    )) as EventFrame
    expect(echoed.event).toMatchObject({ kind: 'message', id: reply, replyTo: quoted, text: 'an answer' })

    // Bob, offline until now, gets both from the replay; a message that is no reply has no replyTo.
    const bobClient = await TestClient.connect(server, bob)
    const [first, second] = await bobClient.events(2)
    expect(first!.event).toMatchObject({ kind: 'message', id: quoted })
    expect(first!.event).not.toHaveProperty('replyTo')
    expect(second!.event).toMatchObject({ kind: 'message', id: reply, replyTo: quoted })

    // Withdrawing the quoted message leaves the reply (and its reference) as it was.
    aliceClient.send({ type: 'cmd', id: newId(), conversationId: ab, chatType: 'Chat', action: 'REVOKE_FLAG', ext: { msgId: quoted } })
    const cmd = (await bobClient.next((f) => f.type === 'event' && f.event.kind === 'cmd')) as EventFrame
    expect(cmd.event).toMatchObject({ kind: 'cmd', ext: { msgId: quoted } })
    await bobClient.close()
    const again = await TestClient.connect(server, bob)
    const replayed = await again.events(2)
    expect(replayed.map((e) => e.event.kind)).toEqual(['message', 'cmd'])
    expect(replayed[0]!.event).toMatchObject({ id: reply, replyTo: quoted })
    await Promise.all([again.close(), aliceClient.close()])
  })

  it('refuses a replyTo that is not an id', async () => {
    const client = await TestClient.connect(server, alice)
    const id = newId()
    client.send({ type: 'send', id, conversationId: ab, text: 'x', replyTo: 'not-an-id' })
    expect(await client.reply(id)).toMatchObject({ type: 'error', id, code: 'BAD_FRAME' })
    await client.close()
  })
})

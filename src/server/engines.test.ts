import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startNats, type NatsServer } from '../../test/helpers/engines/nats'
import { MemoryBus } from './bus/memory-bus'
import { NatsBus } from './bus/nats-bus'
import type { Bus } from './bus/types'
import { DEFAULT_OPENERS, EngineError, type EngineOpeners, openEngines } from './engines'
import type { ChatStore } from './store/types'

const database = { url: 'postgres://parley:secret@db.example:5432/parley', source: '--database' }

/** Openers that record what was opened and closed; the store one fails or not as told. */
function fakeOpeners(storeError?: Error) {
  const bus = new MemoryBus()
  const busClosed = vi.spyOn(bus, 'close')
  const store = { close: vi.fn(async () => {}) } as unknown as ChatStore
  const openers: EngineOpeners = {
    openStore: vi.fn(async () => {
      if (storeError) throw storeError
      return store
    }),
    connectBus: vi.fn(async (): Promise<Bus> => bus),
  }
  return { openers, bus, busClosed, store }
}

describe('openEngines', () => {
  it('opens nothing without URLs (the embedded defaults)', async () => {
    const { openers } = fakeOpeners()
    expect(await openEngines({}, openers)).toEqual({ store: undefined, bus: undefined })
    expect(openers.openStore).not.toHaveBeenCalled()
    expect(openers.connectBus).not.toHaveBeenCalled()
  })

  it('opens both engines', async () => {
    const { openers, bus, store } = fakeOpeners()
    const engines = await openEngines({ database, nats: { url: 'nats://127.0.0.1:4222', source: '--nats' } }, openers)
    expect(engines).toEqual({ store, bus })
    expect(openers.openStore).toHaveBeenCalledWith(database.url)
  })

  it.each([
    [{ database: { url: 'mysql://db/parley', source: '--database' } }, '--database must be a postgres:// or postgresql:// URL, got "mysql://db/parley"'],
    [{ database: { url: 'postgres://u:pw@', source: 'PARLEY_DATABASE_URL' } }, /^PARLEY_DATABASE_URL must (be|name)/],
    [{ database: { url: 'db.example:5432', source: '--database' } }, /^--database must be a postgres:\/\//],
    [{ database, nats: { url: 'redis://127.0.0.1', source: '--nats' } }, '--nats must be a nats:// or tls:// URL, got "redis://127.0.0.1"'],
  ])('refuses a bad URL before opening anything: %j', async (choice, message) => {
    const { openers } = fakeOpeners()
    const err = await openEngines(choice, openers).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EngineError)
    expect((err as Error).message).toMatch(message)
    expect((err as Error).message).not.toContain('pw')
    expect(openers.openStore).not.toHaveBeenCalled()
    expect(openers.connectBus).not.toHaveBeenCalled()
  })

  it('closes the bus again when the store cannot be opened, and says why on one line, without the password', async () => {
    const { openers, busClosed } = fakeOpeners(new Error('the database schema is version 9,\nthis server knows up to 3'))
    const err = await openEngines({ database, nats: { url: 'nats://127.0.0.1:4222', source: '--nats' } }, openers).catch(
      (e: unknown) => e as Error,
    )
    expect(err).toBeInstanceOf(EngineError)
    expect((err as Error).message).toBe(
      'cannot open the PostgreSQL database at postgres://parley:***@db.example:5432/parley: the database schema is version 9, this server knows up to 3',
    )
    expect(busClosed).toHaveBeenCalledTimes(1)
  })

  it('does not open the store when NATS cannot be reached', async () => {
    const { openers } = fakeOpeners()
    openers.connectBus = vi.fn(async () => {
      throw new Error('connection refused')
    })
    await expect(openEngines({ database, nats: { url: 'nats://127.0.0.1:1', source: '--nats' } }, openers)).rejects.toThrow(
      /^cannot connect to NATS at nats:\/\/127\.0\.0\.1:1: connection refused$/,
    )
    expect(openers.openStore).not.toHaveBeenCalled()
  })

  it('reports a PostgreSQL store that is not part of this build as one clear line', async () => {
    await expect(openEngines({ database }, { ...DEFAULT_OPENERS, connectBus: () => Promise.reject(new Error('unused')) })).rejects.toThrow(
      /^cannot open the PostgreSQL database at postgres:\/\/parley:\*\*\*@db\.example:5432\/parley: \S/,
    )
  })

  describe('with a real nats-server', () => {
    let nats: NatsServer
    beforeAll(async () => {
      nats = await startNats()
    })
    afterAll(() => nats?.stop())

    it('connects the NATS bus', async () => {
      const store = { close: vi.fn(async () => {}) } as unknown as ChatStore
      const engines = await openEngines(
        { database, nats: { url: nats.url, source: '--nats' } },
        { ...DEFAULT_OPENERS, openStore: async () => store },
      )
      expect(engines.bus).toBeInstanceOf(NatsBus)
      expect(engines.store).toBe(store)
      await engines.bus!.close()
    })
  })
})

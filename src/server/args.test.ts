import { describe, expect, it } from 'vitest'
import { parseServerArgs, USAGE, UsageError } from './args'

describe('parseServerArgs', () => {
  it('has the documented defaults', () => {
    expect(parseServerArgs([], {})).toEqual({
      host: '127.0.0.1',
      port: 7800,
      dataDir: './.parley-server',
      recallWindowSeconds: 120,
      adminRecallWindowSeconds: 0,
    })
  })

  it('reads every option', () => {
    expect(
      parseServerArgs([
        '--host', '0.0.0.0', '--port', '0', '--data', '/tmp/p',
        '--recall-window-seconds', '0', '--admin-recall-window-seconds', '3600',
      ], {}),
    ).toEqual({ host: '0.0.0.0', port: 0, dataDir: '/tmp/p', recallWindowSeconds: 0, adminRecallWindowSeconds: 3600 })
  })

  it.each([
    [['--port', '70000'], /--port must be a whole number from 0 to 65535, got "70000"/],
    [['--port', 'abc'], /--port/],
    [['--recall-window-seconds', '-1'], /--recall-window-seconds/],
    [['--recall-window-seconds', '1.5'], /--recall-window-seconds/],
    [['--verbose'], /Unknown option '--verbose'/],
    [['stray'], /positional/],
    [['--port'], /argument missing/],
    [['--data', ''], /--data must not be empty/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseServerArgs(argv)).toThrow(UsageError)
    expect(() => parseServerArgs(argv)).toThrow(message)
  })
})

describe('engine URLs', () => {
  const env = { PARLEY_DATABASE_URL: 'postgres://env-db/parley', PARLEY_NATS_URL: 'nats://env-nats:4222' }

  it('are described in --help', () => {
    expect(USAGE).toMatch(/--database URL .*PARLEY_DATABASE_URL/)
    expect(USAGE).toMatch(/--nats URL\S* .*PARLEY_NATS_URL/)
  })

  it('are absent by default (SQLite and the in-process bus)', () => {
    const args = parseServerArgs([], {})
    expect(args.database).toBeUndefined()
    expect(args.nats).toBeUndefined()
  })

  it('come from the flags', () => {
    expect(parseServerArgs(['--database', 'postgres://db/parley', '--nats', 'nats://bus:4222'], {})).toMatchObject({
      database: { url: 'postgres://db/parley', source: '--database' },
      nats: { url: 'nats://bus:4222', source: '--nats' },
    })
  })

  it('come from the environment, and a flag wins over its variable', () => {
    expect(parseServerArgs([], env)).toMatchObject({
      database: { url: 'postgres://env-db/parley', source: 'PARLEY_DATABASE_URL' },
      nats: { url: 'nats://env-nats:4222', source: 'PARLEY_NATS_URL' },
    })
    expect(parseServerArgs(['--nats', 'nats://flag:4222'], env)).toMatchObject({
      database: { source: 'PARLEY_DATABASE_URL' },
      nats: { url: 'nats://flag:4222', source: '--nats' },
    })
  })

  it('treat an empty variable as unset, and a database without NATS as one node on PostgreSQL', () => {
    expect(parseServerArgs(['--database', 'postgres://db/parley'], { PARLEY_NATS_URL: ' ' })).toMatchObject({
      database: { url: 'postgres://db/parley' },
    })
    expect(parseServerArgs(['--database', 'postgres://db/parley'], { PARLEY_NATS_URL: '' }).nats).toBeUndefined()
  })

  it.each([
    [['--nats', 'nats://bus:4222'], {}, /--nats needs --database/],
    [[], { PARLEY_NATS_URL: 'nats://bus:4222' }, /PARLEY_NATS_URL needs --database/],
    [['--database', ''], {}, /--database must not be empty/],
  ])('refuses %j with %j', (argv, environment, message) => {
    expect(() => parseServerArgs(argv, environment)).toThrow(UsageError)
    expect(() => parseServerArgs(argv, environment)).toThrow(message)
  })
})

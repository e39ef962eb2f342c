import { describe, expect, it } from 'vitest'
import { parseServerArgs, UsageError } from './args'

describe('parseServerArgs', () => {
  it('has the documented defaults', () => {
    expect(parseServerArgs([])).toEqual({
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
      ]),
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

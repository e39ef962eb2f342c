import { describe, expect, it } from 'vitest'
import { ArgsError, parseClientArgs, parseServerUrl, parseWebArgs } from './args'

describe('parseClientArgs', () => {
  it('reads --server and --profile among Electron and Chromium switches', () => {
    const args = parseClientArgs([
      '--inspect=0',
      '--remote-debugging-port=0',
      '/repo',
      '--server',
      'ws://127.0.0.1:7800/',
      '--profile=/tmp/bob',
      '--no-sandbox',
    ])
    expect(args).toEqual({ server: 'ws://127.0.0.1:7800', profile: '/tmp/bob' })
  })

  it('defaults to the embedded server and the default profile', () => {
    expect(parseClientArgs(['/repo'])).toEqual({ server: null, profile: null })
  })

  it('refuses a server that is not a WebSocket URL', () => {
    expect(() => parseClientArgs(['--server', 'http://127.0.0.1:7800'])).toThrow(ArgsError)
    expect(() => parseClientArgs(['--server', 'nonsense'])).toThrow(/not a URL/)
    expect(() => parseServerUrl('ws://u:p@host:1')).toThrow(ArgsError)
  })
})

describe('parseWebArgs', () => {
  it('needs a server and a profile', () => {
    expect(() => parseWebArgs(['--profile', '/tmp/p'])).toThrow(/--server is required/)
    expect(() => parseWebArgs(['--server', 'ws://127.0.0.1:1'])).toThrow(/--profile is required/)
  })

  it('defaults to port 0 on 127.0.0.1', () => {
    expect(parseWebArgs(['--server', 'ws://127.0.0.1:1', '--profile', 'p'])).toEqual({
      server: 'ws://127.0.0.1:1',
      profile: 'p',
      port: 0,
      host: '127.0.0.1',
      staticDir: null,
    })
  })

  it('refuses unknown options and bad ports', () => {
    expect(() => parseWebArgs(['--server', 'ws://h:1', '--profile', 'p', '--bogus'])).toThrow(ArgsError)
    expect(() => parseWebArgs(['--server', 'ws://h:1', '--profile', 'p', '--port', '70000'])).toThrow(/--port/)
    expect(() => parseWebArgs(['--server', 'ws://h:1', '--profile', 'p', '--port', '-1'])).toThrow(ArgsError)
  })
})

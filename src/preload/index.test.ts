import { describe, expect, it, vi } from 'vitest'
import { invokeNames, invokes, type ParleyBridge } from '../shared/bridge'

const exposed: Record<string, unknown> = {}
const listeners = new Map<string, Set<(...args: unknown[]) => void>>()
const invoke = vi.fn(async (channel: string, args: unknown) => ({ ok: true, value: { channel, args } }))
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer: {
    invoke,
    on: (channel: string, fn: (...args: unknown[]) => void) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set())
      listeners.get(channel)!.add(fn)
    },
    removeListener: (channel: string, fn: (...args: unknown[]) => void) => listeners.get(channel)?.delete(fn),
  },
}))

await import('./index')
const parley = exposed.parley as ParleyBridge

describe('preload', () => {
  it('exposes exactly the bridge contract as window.parley', () => {
    expect(Object.keys(exposed)).toEqual(['parley'])
    expect(Object.keys(parley).sort()).toEqual([...invokeNames, 'on'].sort())
  })

  it('sends each invoke on its own channel', async () => {
    await parley.openDirect({ username: 'bob' })
    expect(invoke).toHaveBeenCalledWith(invokes.openDirect.channel, { username: 'bob' })
  })

  it('hands listeners the payload only, and unsubscribes', () => {
    const seen: unknown[] = []
    const off = parley.on('session:changed', (payload) => seen.push(payload))
    const relay = [...listeners.get('session:changed')!][0]!
    relay({ sender: 'the IPC event must not leak' }, { user: 'alice' })
    expect(seen).toEqual([{ user: 'alice' }])
    off()
    expect(listeners.get('session:changed')!.size).toBe(0)
  })

  it('refuses events outside the contract', () => {
    expect(() => parley.on('ipc:anything' as never, () => {})).toThrow(/unknown Parley event/)
  })
})

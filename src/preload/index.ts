/**
 * Sandboxed preload: exposes exactly the bridge contract as `window.parley`. Each
 * invoke is one fixed channel; `on` accepts only the declared event names and hands
 * the listener the payload alone (never the IPC event, which would leak `sender`).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import {
  eventNames,
  invokeNames,
  invokes,
  type BridgeEvents,
  type EventName,
  type InvokeName,
  type ParleyBridge,
} from '../shared/bridge'

const knownEvents: ReadonlySet<string> = new Set(eventNames)

function invoker(name: InvokeName) {
  const { channel } = invokes[name]
  return (args: unknown) => ipcRenderer.invoke(channel, args)
}

function on<E extends EventName>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void {
  if (!knownEvents.has(event)) throw new Error(`unknown Parley event: ${String(event).slice(0, 64)}`)
  if (typeof listener !== 'function') throw new Error('listener must be a function')
  const relay = (_event: IpcRendererEvent, payload: BridgeEvents[E]): void => listener(payload)
  ipcRenderer.on(event, relay)
  return () => {
    ipcRenderer.removeListener(event, relay)
  }
}

const bridge = {
  ...Object.fromEntries(invokeNames.map((name) => [name, invoker(name)])),
  on,
} as ParleyBridge

contextBridge.exposeInMainWorld('parley', bridge)

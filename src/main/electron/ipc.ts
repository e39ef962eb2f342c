/**
 * The bridge contract over Electron IPC: one `ipcMain.handle` per invoke channel,
 * answered only for the main frame of our window on our origin, validated and
 * dispatched by the same `dispatchInvoke` browser mode uses.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import {
  dispatchInvoke,
  fail,
  invokeNames,
  invokes,
  type BridgeHandlers,
  type EmitEvent,
} from '../../shared/bridge'
import { logger } from '../../shared/log'
import { isSameOrigin } from './app-url'

const log = logger('ipc')

export function registerBridge(
  handlers: BridgeHandlers,
  getWindow: () => BrowserWindow | null,
  appOrigin: string,
): () => void {
  const isTrusted = (event: IpcMainInvokeEvent): boolean => {
    const win = getWindow()
    const frame = event.senderFrame
    return (
      win !== null &&
      !win.isDestroyed() &&
      event.sender === win.webContents &&
      frame !== null &&
      frame.parent === null &&
      isSameOrigin(frame.url, appOrigin)
    )
  }
  for (const name of invokeNames) {
    const { channel } = invokes[name]
    ipcMain.handle(channel, async (event, rawArgs: unknown) => {
      if (!isTrusted(event)) {
        log.warn({ channel }, 'invoke from an untrusted frame refused')
        return fail('NOT_ALLOWED', 'this call is only answered for the Parley window')
      }
      return dispatchInvoke(handlers, name, rawArgs, (err) => log.error({ err, call: name }, 'invoke failed'))
    })
  }
  return () => {
    for (const name of invokeNames) ipcMain.removeHandler(invokes[name].channel)
  }
}

/** Events go to the window if there is one; the renderer reloads state when it (re)appears. */
export function windowEmitter(getWindow: () => BrowserWindow | null): EmitEvent {
  return (event, payload) => {
    const win = getWindow()
    if (win && !win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(event, payload)
  }
}

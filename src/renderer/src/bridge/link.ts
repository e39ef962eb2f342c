/**
 * Health of the renderer's own link to the main process. Under Electron the IPC link
 * cannot drop, so it stays 'up'; in browser mode it follows the bridge WebSocket.
 * This is distinct from the main process's connection to the chat server
 * (`SessionView.connection`).
 */
export type LinkState = 'connecting' | 'up' | 'down'

/** Why the link is down: the page has no token at all, or the socket closed / never opened. */
export type LinkProblem = 'NO_TOKEN' | 'CLOSED'

export interface LinkStatus {
  state: LinkState
  /** Reconnect attempts since the link was last up (0 on the first connection). */
  attempt: number
  problem: LinkProblem | null
}

export const LINK_UP: LinkStatus = Object.freeze({ state: 'up', attempt: 0, problem: null })

/** WebSocket close codes the server uses; clients decide on reconnecting by them (see docs/protocol.md). */
export const CloseCode = {
  /** Server shutting down: reconnect with backoff. */
  GOING_AWAY: 1001,
  /** Unsupported protocol version: do not reconnect without upgrading. */
  PROTOCOL_ERROR: 1002,
  /** Sent by ws itself when a frame exceeds MAX_FRAME_BYTES. */
  MESSAGE_TOO_BIG: 1009,
  /** The same device connected again; this older connection is done (do not fight over it). */
  REPLACED: 4000,
  /** The session was revoked (signed out): sign in again. */
  SESSION_REVOKED: 4001,
  /** No `hello` within the handshake timeout. */
  HELLO_TIMEOUT: 4002,
} as const

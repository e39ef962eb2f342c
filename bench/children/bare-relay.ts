/**
 * The baseline for relay throughput: a minimal `ws` server that forwards every frame from
 * client i to client i^1 (its peer) and does nothing else: no authentication, no parsing,
 * no validation, no storage. Same `ws` settings as the Parley server.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { type WebSocket, WebSocketServer } from 'ws'
import { MAX_FRAME_BYTES } from '../../src/shared/protocol'
import { announceReady, serveRequests, settledMemory } from './ipc'

const sockets = new Map<number, WebSocket>()
const httpServer = http.createServer()
const wss = new WebSocketServer({ server: httpServer, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false, clientTracking: false })

wss.on('connection', (ws, req) => {
  const id = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('id'))
  sockets.set(id, ws)
  ws.on('error', () => {})
  ws.on('close', () => sockets.delete(id))
  ws.on('message', (data, isBinary) => {
    sockets.get(id ^ 1)?.send(data, { binary: isBinary })
  })
})

httpServer.listen(0, '127.0.0.1', () => {
  const { port } = httpServer.address() as AddressInfo
  announceReady(`ws://127.0.0.1:${port}`)
})

serveRequests({
  memory: async () => ({ memory: await settledMemory() }),
  cpu: async () => ({ cpu: process.cpuUsage() }),
})

process.on('SIGTERM', () => {
  for (const ws of sockets.values()) ws.terminate()
  wss.close()
  httpServer.close(() => process.exit(0))
})

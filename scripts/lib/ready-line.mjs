/**
 * Parley's processes announce readiness with one line on stdout (the public seams:
 * `parley-server listening on ws://HOST:PORT`, `parley-web ready at http://...`).
 * Used by `npm start` and by the e2e fixtures.
 */
import readline from 'node:readline'

export const SERVER_READY = /^parley-server listening on (ws:\/\/\S+)$/
export const WEB_READY = /^parley-web ready at (http:\/\/\S+)$/

/**
 * Resolve with the first capture group of the first stdout line matching `pattern`.
 * Rejects if the process exits first or `timeoutMs` passes. Every stdout line
 * (the ready line included) is also handed to `onLine`, and stdout keeps being
 * drained afterwards so the child never blocks on a full pipe.
 *
 * @param {import('node:child_process').ChildProcess} child
 * @param {RegExp} pattern
 * @param {{ timeoutMs?: number, label?: string, onLine?: (line: string) => void }} [options]
 * @returns {Promise<string>}
 */
export function waitForReadyLine(child, pattern, { timeoutMs = 30_000, label = 'process', onLine } = {}) {
  if (!child.stdout) return Promise.reject(new Error(`${label}: stdout is not piped`))
  const lines = readline.createInterface({ input: child.stdout, crlfDelay: Infinity })
  return new Promise((resolve, reject) => {
    let settled = false
    const settle = (fn) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.off('exit', onExit)
      child.off('error', onError)
      fn()
    }
    const timer = setTimeout(
      () => settle(() => reject(new Error(`${label} printed no ready line within ${timeoutMs} ms`))),
      timeoutMs,
    )
    const onExit = (code, signal) =>
      settle(() => reject(new Error(`${label} exited (${signal ?? `code ${code}`}) before it was ready`)))
    const onError = (err) => settle(() => reject(new Error(`${label} could not start: ${err.message}`)))
    child.once('exit', onExit)
    child.once('error', onError)
    lines.on('line', (line) => {
      onLine?.(line)
      const match = pattern.exec(line)
      if (match) settle(() => resolve(match[1] ?? line))
    })
  })
}

/**
 * Run one setup step of `npm start` (Electron's installer, a native build) as a child
 * process with a time limit and a progress line, and say in one sentence why it failed.
 *
 * The child runs in its own process group so that a timeout or Ctrl-C stops everything
 * it started (npx → node-gyp → make → the compiler), not just the first process
 * (on Windows, taskkill /T does that for its process tree).
 */
import { spawn } from 'node:child_process'

const WINDOWS = process.platform === 'win32'
/** Lines of the child's output kept for the failure message. */
const TAIL_LINES = 30
/** After SIGTERM, how long a step may take to exit before SIGKILL. */
const KILL_GRACE_MS = 3000
/** Without a terminal the progress line cannot be redrawn: a line this often instead. */
const PLAIN_PROGRESS_EVERY_MS = 15_000

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{
 *   label: string,
 *   timeoutMs: number,
 *   cwd?: string,
 *   env?: NodeJS.ProcessEnv,
 *   signal?: AbortSignal,
 *   stream?: NodeJS.WritableStream & { isTTY?: boolean },
 * }} options
 * @returns {Promise<{ ok: true, output: string } | { ok: false, reason: string, output: string }>}
 */
export function runBounded(command, args, { label, timeoutMs, cwd, env, signal, stream = process.stderr }) {
  const progress = startProgress(label, timeoutMs, stream)
  const tail = []
  const keep = (chunk) => {
    for (const line of String(chunk).split(/\r?\n|\r/)) if (line.trim()) tail.push(line)
    if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES)
  }
  return new Promise((resolve) => {
    /** @type {string | null} why the step was stopped from here, if it was */
    let stopped = null
    const child = spawn(command, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: !WINDOWS,
      // Node runs a .cmd (npx.cmd) only through a shell.
      shell: WINDOWS && /\.cmd$/i.test(command),
    })
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)

    const stop = (why) => {
      if (stopped !== null) return
      stopped = why
      killTree(child.pid, 'SIGTERM')
      // Left running after the step is given up: it also catches what ignored SIGTERM.
      // (taskkill /F is final already.)
      if (!WINDOWS) setTimeout(() => killTree(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref()
    }
    const timer = setTimeout(() => stop(`did not finish within ${formatSeconds(timeoutMs)}`), timeoutMs)
    const onAbort = () => stop('interrupted')
    if (signal?.aborted) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })

    let finished = false
    const finish = (result) => {
      // A child that fails to spawn may report both 'error' and 'close'.
      if (finished) return
      finished = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      progress.end(result.ok ? 'done' : `failed: ${result.reason}`)
      resolve({ ...result, output: tail.join('\n') })
    }
    child.once('error', (err) => finish({ ok: false, reason: `could not run ${command}: ${err.message}` }))
    child.once('close', (code, sig) => {
      if (stopped !== null) finish({ ok: false, reason: stopped })
      else if (code === 0) finish({ ok: true })
      else finish({ ok: false, reason: `${failureMessage(tail) ?? 'no output'} (exit ${sig ?? `code ${code}`})` })
    })
  })
}

function killTree(pid, signal) {
  if (pid === undefined) return
  if (WINDOWS) {
    spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore' }).on('error', () => {})
    return
  }
  try {
    process.kill(-pid, signal)
  } catch {
    // Already gone.
  }
}

/** Lines that never say what went wrong: stack frames, npm's notices, Node's warnings. */
const NOISE = /^\s*at |^npm (notice|warn)\b|^\(node:\d+\) |^\(Use `node --trace/
/** The errno codes a failed download or build names. */
const ERRNO = /\bE(?:NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|HOSTUNREACH|NETUNREACH|ACCES|PERM|NOENT|NOSPC)\b/

/**
 * What went wrong, in the child's words: the first error message it printed
 * ("TypeError: fetch failed", or node-gyp's "Error: …" spread over several
 * "gyp ERR! stack" lines), else a line naming an errno ("… ENOTFOUND github.com"),
 * else its last line.
 */
function failureMessage(lines) {
  const first = (pattern) => lines.findIndex((l) => !NOISE.test(l) && pattern.test(l))
  let at = first(/\w*Error:/)
  if (at < 0) at = first(ERRNO)
  if (at < 0) return lines.filter((l) => !NOISE.test(l)).at(-1)?.trim() ?? null
  // A tool that prefixes its lines ("gyp ERR! stack ") continues the message on the next ones.
  const prefix = /^(.*?)\w*Error:/.exec(lines[at])?.[1] ?? ''
  let message = lines[at].slice(prefix.length).trim()
  for (const line of lines.slice(at + 1)) {
    if (!prefix.trim() || !line.startsWith(prefix) || NOISE.test(line.slice(prefix.length))) break
    message += ` ${line.slice(prefix.length).trim()}`
  }
  return message
}

export function formatSeconds(ms) {
  const s = Math.round(ms / 1000)
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`
}

/**
 * On a terminal, one line redrawn every second ("… 12 s"); elsewhere (a log, CI) a
 * start line and a reminder every 15 s, since `\r` would just pile up.
 */
function startProgress(label, timeoutMs, stream) {
  const started = Date.now()
  const limit = formatSeconds(timeoutMs)
  const elapsed = () => formatSeconds(Date.now() - started)
  const tty = Boolean(stream.isTTY)
  const draw = () => stream.write(`\r\x1b[2K${label}… ${elapsed()} (at most ${limit})`)
  if (tty) draw()
  else stream.write(`${label} (at most ${limit})…\n`)
  const ticker = setInterval(
    () => (tty ? draw() : stream.write(`${label}: still running after ${elapsed()}\n`)),
    tty ? 1000 : PLAIN_PROGRESS_EVERY_MS,
  )
  return {
    end(outcome) {
      clearInterval(ticker)
      stream.write(`${tty ? '\r\x1b[2K' : ''}${label}: ${outcome}, after ${elapsed()}\n`)
    },
  }
}

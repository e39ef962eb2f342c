/**
 * CPU affinity for the pinned relay run: the server under test on one core, the load
 * generator on another, so the server's throughput and CPU per message are its own and
 * not a share of two cores fought over with 100 clients. Uses `taskset` (util-linux);
 * `-a` moves every thread of the process (libuv's pool, V8's helpers), and threads started
 * later inherit the affinity of the thread that starts them.
 */
import { execFileSync } from 'node:child_process'
import os from 'node:os'

/**
 * The machine's cores. Not `os.availableParallelism()`: that follows this process's own
 * affinity, which the pinned run narrows to one core, so a second storage's run would find
 * "one core" and the restore would keep the process there.
 */
function machineCores(): number {
  return os.cpus().length
}

/** Why pinning cannot be done here, or null when it can. */
export function pinningUnavailable(): string | null {
  if (machineCores() < 2) return 'pinning needs two cores'
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return null
  } catch {
    return 'taskset (util-linux) is not available'
  }
}

/** Every core of the machine, as taskset writes a list. */
export function allCores(): string {
  return `0-${machineCores() - 1}`
}

/** Moves every thread of process `pid` onto `cores` (a taskset list such as "0" or "0-1"). */
export function pin(pid: number, cores: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' })
}

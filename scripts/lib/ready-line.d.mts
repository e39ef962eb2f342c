import type { ChildProcess } from 'node:child_process'

export const SERVER_READY: RegExp
export const WEB_READY: RegExp

export function waitForReadyLine(
  child: ChildProcess,
  pattern: RegExp,
  options?: { timeoutMs?: number; label?: string; onLine?: (line: string) => void },
): Promise<string>

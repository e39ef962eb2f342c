export type BoundedRun = { ok: true; output: string } | { ok: false; reason: string; output: string }

export function runBounded(
  command: string,
  args: string[],
  options: {
    label: string
    timeoutMs: number
    cwd?: string
    env?: NodeJS.ProcessEnv
    signal?: AbortSignal
    stream?: NodeJS.WritableStream & { isTTY?: boolean }
  },
): Promise<BoundedRun>

export function formatSeconds(ms: number): string

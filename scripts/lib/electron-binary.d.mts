export type ElectronBinary =
  | { ok: true; path: string; version: string }
  /** `installer`: Electron's own installer, present when only the download is missing. */
  | { ok: false; reason: string; version: string | null; installer?: string }

export interface SetupOptions {
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
  signal?: AbortSignal
  stream?: NodeJS.WritableStream & { isTTY?: boolean }
}

export const ELECTRON_INSTALL_TIMEOUT_MS: number

export function findElectronBinary(repoRoot: string, env?: NodeJS.ProcessEnv): ElectronBinary
export function ensureElectronBinary(repoRoot: string, options?: SetupOptions): Promise<ElectronBinary>

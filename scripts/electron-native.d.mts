export interface NativeStamp {
  electron: string
  platform: string
  arch: string
  betterSqlite3: string
}

export interface BuildStep {
  label: string
  command: string
  args: string[]
  timeoutMs: number
  /** Set for this step on top of the environment. */
  env?: Record<string, string>
}

export const PREBUILT_TIMEOUT_MS: number
export const SOURCE_BUILD_TIMEOUT_MS: number
export const SOURCE_BUILD_ENV: Record<string, string>

export function electronNativePaths(root?: string): { dir: string; binding: string; stamp: string }
export function wantedStamp(root?: string): NativeStamp
export function electronNativeIsCurrent(root?: string): boolean
export function defaultSteps(want: NativeStamp, copy: string, source: string): BuildStep[]
export function buildElectronNative(options?: {
  root?: string
  force?: boolean
  steps?: (want: NativeStamp, copy: string, source: string) => BuildStep[]
  signal?: AbortSignal
  stream?: NodeJS.WritableStream & { isTTY?: boolean }
}): Promise<{ ok: true } | { ok: false; reason: string }>

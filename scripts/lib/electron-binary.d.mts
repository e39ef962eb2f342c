export type ElectronBinary =
  | { ok: true; path: string; version: string }
  | { ok: false; reason: string; version: string | null }

export function findElectronBinary(repoRoot: string): ElectronBinary

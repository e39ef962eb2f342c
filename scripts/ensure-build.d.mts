/** Why out/ must be rebuilt, or null when it is current. */
export function buildIsStale(): string | null
/** Build when stale (exits the process if the build fails). */
export function ensureBuild(): void

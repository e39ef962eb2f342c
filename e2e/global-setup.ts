import { ensureBuild } from '../scripts/ensure-build.mjs'

/** Browser mode serves out/renderer and Electron loads out/: never test a stale build. */
export default function globalSetup(): void {
  ensureBuild()
}

import { inject, type App, type InjectionKey } from 'vue'
import type { ParleyBridge } from '../../../shared/bridge'

/**
 * The bridge travels through Vue's provide/inject rather than a module global, so
 * tests can hand each app its own fake. Pinia runs setup stores inside the app's
 * injection context, which is why stores can call `useBridge()` too.
 */
export const BridgeKey: InjectionKey<ParleyBridge> = Symbol('parley-bridge')

export function provideBridge(app: App, bridge: ParleyBridge): void {
  app.provide(BridgeKey, bridge)
}

export function useBridge(): ParleyBridge {
  const bridge = inject(BridgeKey, null)
  if (!bridge) throw new Error('Parley bridge not provided: call provideBridge(app, bridge) before using stores')
  return bridge
}

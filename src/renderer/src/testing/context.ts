/** Test wiring: a Pinia whose stores see a fake bridge, plus the i18n and provide a mount needs. */
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createApp } from 'vue'
import { BridgeKey } from '../bridge/provide'
import { createParleyI18n, type AppLocale, type ParleyI18n } from '../i18n'
import { createFakeBridge, type FakeBridge } from './fake-bridge'

export interface TestContext {
  bridge: FakeBridge
  pinia: Pinia
  i18n: ParleyI18n
  /** Pass as `global` to @vue/test-utils `mount`. */
  global: { plugins: [Pinia, ParleyI18n]; provide: Record<symbol, unknown> }
}

export function createTestContext(bridge: FakeBridge = createFakeBridge(), locale: AppLocale = 'en'): TestContext {
  const pinia = createPinia()
  // Stores are created inside an app's injection context (that is how they reach the
  // bridge); this placeholder app lets tests use stores before mounting anything.
  const host = createApp({ render: () => null })
  host.use(pinia)
  host.provide(BridgeKey, bridge)
  setActivePinia(pinia)
  const i18n = createParleyI18n(locale)
  return { bridge, pinia, i18n, global: { plugins: [pinia, i18n], provide: { [BridgeKey]: bridge } } }
}

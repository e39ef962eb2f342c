/// <reference types="vite/client" />
import type { ParleyBridge } from '../../shared/bridge'

declare global {
  interface Window {
    /** Provided by the Electron preload; absent in browser mode, where the WebSocket bridge is used. */
    parley?: ParleyBridge
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { provideBridge } from './bridge/provide'
import { createWebBridge } from './bridge/web-bridge'
import { applySystemTheme } from './composables/theme'
import { createParleyI18n } from './i18n'
import { useSessionStore } from './stores/session'
import { useSettingsStore } from './stores/settings'

// Electron's preload provides the bridge; without it we are in browser mode and talk
// to the headless host over its WebSocket.
const web = window.parley ? null : createWebBridge()
const bridge = window.parley ?? web!

applySystemTheme()
const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(createParleyI18n())
provideBridge(app, bridge)

const session = useSessionStore(pinia)
if (web) {
  session.setLink(web.link)
  web.onLink((status) => session.setLink(status))
  window.addEventListener('pagehide', () => web.dispose())
}
void session.load()
void useSettingsStore(pinia).load()

app.config.errorHandler = (err, _instance, info) => {
  console.error(`parley: unhandled error in ${info}`, err)
}

app.mount('#app')

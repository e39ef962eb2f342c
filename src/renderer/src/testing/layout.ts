import { afterEach, beforeEach, vi } from 'vitest'

/**
 * happy-dom does no layout, so every element measures 0 and a virtualized list would
 * think nothing is visible. Give the scrolling list and its rows fixed sizes.
 */
export function fakeListLayout(opts: { viewport: number; row: number }): () => void {
  const proto = HTMLElement.prototype
  const saved = {
    clientHeight: Object.getOwnPropertyDescriptor(proto, 'clientHeight'),
    offsetHeight: Object.getOwnPropertyDescriptor(proto, 'offsetHeight'),
  }
  Object.defineProperty(proto, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.hasAttribute('data-scroller') ? opts.viewport : 0
    },
  })
  Object.defineProperty(proto, 'offsetHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.hasAttribute('data-index') ? opts.row : 0
    },
  })
  return () => {
    for (const [name, descriptor] of Object.entries(saved)) {
      if (descriptor) Object.defineProperty(proto, name, descriptor)
      else delete (proto as unknown as Record<string, unknown>)[name]
    }
  }
}

/**
 * For suites that mount the whole chat: its lists laid out (rows of 40 px in a 2,000 px
 * viewport), console warnings silenced, and the DOM emptied after each test.
 */
export function useChatLayout(): void {
  let restoreLayout: () => void
  let warn: ReturnType<typeof vi.spyOn>
  beforeEach(() => {
    restoreLayout = fakeListLayout({ viewport: 2000, row: 40 })
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
  })
  afterEach(() => {
    restoreLayout()
    warn.mockRestore()
    document.body.replaceChildren()
  })
}

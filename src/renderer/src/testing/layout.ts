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

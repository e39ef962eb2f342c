/**
 * Browser mode carries the bridge contract over one WebSocket between the page and
 * the headless main process: `ws://127.0.0.1:PORT/bridge?token=TOKEN`, same origin
 * as the page. The host checks the per-launch token and the Origin before upgrading.
 */
import { z } from 'zod'

export const WEB_BRIDGE_PATH = '/bridge'

/** page → host */
export const WebInvokeFrame = z.object({
  t: z.literal('invoke'),
  id: z.number().int().nonnegative(),
  name: z.string().max(64),
  args: z.unknown(),
})
export type WebInvokeFrame = z.infer<typeof WebInvokeFrame>

/** host → page: the Result of one invoke, or one main → renderer event. */
export type WebHostFrame =
  | { t: 'result'; id: number; result: unknown }
  | { t: 'event'; name: string; payload: unknown }

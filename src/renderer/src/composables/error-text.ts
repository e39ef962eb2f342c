import type { BridgeErrorCode } from '../../../shared/bridge'

/** Where an error happened, when that changes what the user should read. */
export type ErrorContext = 'withdraw'

const CONTEXT_OVERRIDES: Record<ErrorContext, readonly BridgeErrorCode[]> = {
  withdraw: ['NOT_FOUND', 'NOT_ALLOWED'],
}

export function errorKey(code: BridgeErrorCode, context?: ErrorContext): string {
  if (context && CONTEXT_OVERRIDES[context].includes(code)) return `errors.${context}.${code}`
  return `errors.${code}`
}

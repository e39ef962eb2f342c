import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { BridgeError, BridgeErrorCode } from '../../../shared/bridge'
import type { ErrorContext } from '../composables/error-text'

/** The part of the screen an error belongs to; it is shown there and nowhere else. */
export type ErrorScope = 'signIn' | 'newChat' | 'chat' | 'newGroup' | 'group' | 'settings'

/** The app's own dialogs (at most one open). */
export type AppDialog = 'settings' | 'about'

/**
 * One error at a time: a new one replaces the last, so the screen never shows two
 * `error` elements. Either a bridge error code (translated by code) or a renderer
 * message key for checks made before calling main.
 */
export type UiError =
  | { scope: ErrorScope; code: BridgeErrorCode; context?: ErrorContext; key?: undefined }
  | { scope: ErrorScope; key: string; code?: undefined }

export interface UiInfo {
  key: string
}

export const useUiStore = defineStore('ui', () => {
  const error = ref<UiError | null>(null)
  const info = ref<UiInfo | null>(null)
  /** Unsent text per conversation, kept while switching chats. */
  const drafts = ref<Record<string, string>>({})
  /** Bumped to ask the composer to take focus (after re-edit, after opening a chat). */
  const composerFocusRequests = ref(0)
  /** The message being replied to, per conversation (its id: its text is read from the timeline). */
  const replyTargets = ref<Record<string, string>>({})
  const dialog = ref<AppDialog | null>(null)

  function showError(scope: ErrorScope, err: BridgeError, context?: ErrorContext): void {
    info.value = null
    error.value = context ? { scope, code: err.code, context } : { scope, code: err.code }
    // The code is what the user sees; the detail goes to the console for whoever debugs it.
    console.warn(`parley: ${scope} error ${err.code}: ${err.message}`)
  }

  function showErrorKey(scope: ErrorScope, key: string): void {
    info.value = null
    error.value = { scope, key }
  }

  function clearError(scope?: ErrorScope): void {
    if (!scope || error.value?.scope === scope) error.value = null
  }

  function showInfo(key: string): void {
    error.value = null
    info.value = { key }
  }

  function clearInfo(): void {
    info.value = null
  }

  function draft(conversationId: string): string {
    return drafts.value[conversationId] ?? ''
  }

  function setDraft(conversationId: string, text: string): void {
    if (text) drafts.value[conversationId] = text
    else delete drafts.value[conversationId]
  }

  function requestComposerFocus(): void {
    composerFocusRequests.value += 1
  }

  function replyTarget(conversationId: string): string | null {
    return replyTargets.value[conversationId] ?? null
  }

  function setReplyTarget(conversationId: string, messageId: string | null): void {
    if (messageId) replyTargets.value[conversationId] = messageId
    else delete replyTargets.value[conversationId]
  }

  function reset(): void {
    error.value = null
    info.value = null
    drafts.value = {}
    replyTargets.value = {}
    dialog.value = null
  }

  return {
    error,
    info,
    drafts,
    composerFocusRequests,
    showError,
    showErrorKey,
    clearError,
    showInfo,
    clearInfo,
    draft,
    setDraft,
    requestComposerFocus,
    replyTargets,
    dialog,
    replyTarget,
    setReplyTarget,
    reset,
  }
})

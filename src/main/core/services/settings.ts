import type { Database } from 'better-sqlite3'
import {
  DEFAULT_SETTINGS,
  LanguageSetting,
  ok,
  ServerUrlSetting,
  ThemeSetting,
  WithdrawDisplay,
  type Result,
  type Settings,
  type SettingsPatch,
} from '../../../shared/bridge'
import { logger } from '../../../shared/log'
import { z } from 'zod'
import { openDatabase } from '../db/open'
import { readSettingValues, writeSettingValue } from '../db/queries/settings'
import { commit, type CoreContext } from '../context'

const log = logger('core.settings')

const schemas: { [K in keyof Settings]: z.ZodType<Settings[K]> } = {
  language: LanguageSetting,
  withdrawDisplay: WithdrawDisplay,
  theme: ThemeSetting,
  notifications: z.boolean(),
  serverUrl: ServerUrlSetting.nullable(),
}
const keys = Object.keys(schemas) as Array<keyof Settings>

/**
 * The profile's preferences. A value that does not parse (written by another version,
 * or edited by hand) falls back to its default rather than failing the app.
 */
export function readSettings(db: Database): Settings {
  const stored = readSettingValues(db)
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS }
  for (const key of keys) {
    const raw = stored.get(key)
    if (raw === undefined) continue
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch {
      value = undefined
    }
    const parsed = schemas[key].safeParse(value)
    if (parsed.success) settings[key] = parsed.data
    else log.warn({ key }, 'stored setting not understood; using the default')
  }
  return settings as unknown as Settings
}

export function getSettings(ctx: CoreContext): Result<Settings> {
  return ok(readSettings(ctx.db))
}

/** Apply a validated patch in one transaction and tell every window. */
export function updateSettings(ctx: CoreContext, patch: SettingsPatch): Result<Settings> {
  const settings = commit(ctx, (fx) => {
    for (const key of keys) {
      const value = patch[key]
      if (value !== undefined) writeSettingValue(ctx.db, key, JSON.stringify(value))
    }
    const next = readSettings(ctx.db)
    fx.emit('settings:changed', { settings: next })
    return next
  })
  return ok(settings)
}

/**
 * A profile's settings without starting a client: the desktop host needs the stored
 * server address before it creates the core.
 */
export function readProfileSettings(opts: { profileDir: string; nativeBinding?: string }): Settings {
  const db = openDatabase(opts)
  try {
    return readSettings(db)
  } finally {
    db.close()
  }
}

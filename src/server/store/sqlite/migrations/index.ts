import type { Migration } from '../../../../node/sqlite/migrate'
import { migration001 } from './001-initial'
import { migration002 } from './002-groups'
import { migration003 } from './003-replies'

/** Every schema version in order; append a new file for each change, never edit a shipped one. */
export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003]

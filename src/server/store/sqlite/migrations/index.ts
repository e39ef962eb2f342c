import type { Migration } from '../migrate'
import { migration001 } from './001-initial'

/** Every schema version in order; append a new file for each change, never edit a shipped one. */
export const MIGRATIONS: readonly Migration[] = [migration001]

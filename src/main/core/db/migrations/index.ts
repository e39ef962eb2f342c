import type { Migration } from '../migrate'
import { initial } from './001-initial'

/** Every schema version, in order. Append only: a released migration never changes. */
export const migrations: readonly Migration[] = [initial]

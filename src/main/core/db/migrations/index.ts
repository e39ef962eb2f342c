import type { Migration } from '../../../../node/sqlite/migrate'
import { initial } from './001-initial'
import { repliesAndSettings } from './002-replies-settings'
import { groups } from './003-groups'
import { searchPartitions } from './004-search-partitions'

/** Every schema version, in order. Append only: a released migration never changes. */
export const migrations: readonly Migration[] = [initial, repliesAndSettings, groups, searchPartitions]

import type { Migration } from '../../../../node/sqlite/migrate'

/**
 * Groups: each member's role over time, and notices for membership and role changes.
 *
 * `group_roles` keeps one row per span of one role (`until` NULL while it lasts), so a
 * withdraw is checked against the role its actor held when the server stamped it, not
 * the one they hold now. The current roster is the open rows.
 *
 * Group changes are shown as notice rows in `messages`; `notice_type` says which kind
 * (NULL on rows written before this version: those are all withdraw notices).
 */
export const groups: Migration = {
  version: 3,
  name: 'groups',
  up(db) {
    db.exec(`
      CREATE TABLE group_roles (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        username TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
        since INTEGER NOT NULL,
        until INTEGER,
        CHECK (until IS NULL OR until >= since)
      ) STRICT;
      CREATE INDEX group_roles_by_member ON group_roles (conversation_id, username, since);

      ALTER TABLE messages ADD COLUMN notice_type TEXT CHECK (notice_type IN
        ('withdrawn', 'group-created', 'member-added', 'member-removed', 'member-left', 'role-changed'));
      -- JSON array of the usernames a group notice is about
      ALTER TABLE messages ADD COLUMN notice_members TEXT;
      ALTER TABLE messages ADD COLUMN notice_role TEXT CHECK (notice_role IN ('owner', 'admin', 'member'));
    `)
  },
}

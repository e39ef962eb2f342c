import type { Migration } from '../../../../node/sqlite/migrate'

/**
 * Replies: the id of the message a message replies to, relayed to every member with it.
 * Only the id: clients show the quote from their own copy of the quoted message, so the
 * server never repeats (or keeps) a withdrawn message's text inside a reply.
 */
export const migration003: Migration = {
  version: 3,
  name: 'replies',
  up: `
    ALTER TABLE messages ADD COLUMN reply_to TEXT;
  `,
}

import type { Migration } from '../../../../node/sqlite/migrate'

/**
 * Receipts became delivery marks (protocol version 2): one `receipt` marks every message of
 * mine in a conversation up to a server timestamp as delivered. The index holds only my
 * messages still waiting for that mark, so applying one reads just those, however long the
 * conversation's history is.
 */
export const deliveryMarks: Migration = {
  version: 5,
  name: 'delivery-marks',
  up(db) {
    db.exec(`CREATE INDEX messages_awaiting_delivery ON messages (conversation_id, ts) WHERE state = 'sent'`)
  },
}

import type { Migration } from '../../../../node/sqlite/migrate'

/**
 * Receipts as marks: one `receipt` event says "every message of yours in this conversation
 * up to this timestamp was delivered", instead of one event per message. A device that
 * acknowledges a burst of 40 messages from one sender now costs one receipt, not 40.
 *
 * - `receipts` holds what a `receipt` event says; the event's `ref_id` names its row.
 * - `delivery_marks` holds, per sender and conversation, the newest message timestamp
 *   known delivered: a later acknowledgement adds a receipt only beyond it.
 * - Existing per-message receipts become rows of `receipts` under the message's id (the
 *   events keep pointing at them), and the marks start from what was delivered;
 *   `messages.delivered_at` is then unused and dropped.
 */
export const migration004: Migration = {
  version: 4,
  name: 'receipt-marks',
  up: `
    CREATE TABLE receipts (
      id              TEXT    NOT NULL PRIMARY KEY,
      conversation_id TEXT    NOT NULL,
      up_to           INTEGER NOT NULL,
      delivered_at    INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE delivery_marks (
      conversation_id TEXT    NOT NULL,
      sender          TEXT    NOT NULL,
      up_to           INTEGER NOT NULL,
      PRIMARY KEY (conversation_id, sender)
    ) STRICT, WITHOUT ROWID;

    INSERT INTO receipts (id, conversation_id, up_to, delivered_at)
      SELECT m.id, m.conversation_id, m.ts, m.delivered_at
      FROM events e JOIN messages m ON m.id = e.ref_id
      WHERE e.kind = 'receipt' AND m.delivered_at IS NOT NULL
      GROUP BY m.id;

    INSERT INTO delivery_marks (conversation_id, sender, up_to)
      SELECT conversation_id, sender, max(ts) FROM messages WHERE delivered_at IS NOT NULL
      GROUP BY conversation_id, sender;

    ALTER TABLE messages DROP COLUMN delivered_at;
  `,
}

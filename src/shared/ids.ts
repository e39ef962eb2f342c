import { v7 as uuidv7 } from 'uuid'

/** Client-generated, time-ordered ids for messages, commands and devices. */
export function newId(): string {
  return uuidv7()
}

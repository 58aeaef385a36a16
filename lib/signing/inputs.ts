import { isSocketId } from '../util/socket-id.js';

/**
 * Checks every signing helper applies to what it is given. A TypeError: these are mistakes in
 * the calling code (or input it should have validated), not requests to answer.
 */

/**
 * The socket id usually comes from the browser asking for a signature: one with a `:` in it
 * would sign another channel (`<id>:private-admin` + `private-user-5` signs the same v2 text as
 * `<id>` + `private-admin:private-user-5`). Only ids of the form the server gives out are signed.
 */
export function requireSocketId(socketId: string): void {
  if (!isSocketId(socketId)) throw new TypeError('socketId must be a Pushy socket id (a lowercase UUID, as in pushy:connect)');
}

/** v1 signed with the text "undefined" when the secret was missing; refuse instead. */
export function requireSecret(secretKey: string): void {
  if (typeof secretKey !== 'string' || secretKey.length === 0) throw new TypeError('secretKey is required');
}

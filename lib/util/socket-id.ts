import { z } from 'zod';

/**
 * A socket id as the native front end gives them out: a lowercase UUID (`crypto.randomUUID`).
 * Signatures join the socket id with other fields, so an id made of anything else (a `:` above
 * all) could shift one signed field into the next: every place that signs or checks one holds
 * ids to this.
 */
export const SOCKET_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a socket id of the form this server gives out (see {@link SOCKET_ID_PATTERN}). */
export function isSocketId(value: unknown): value is string {
  return typeof value === 'string' && SOCKET_ID_PATTERN.test(value);
}

/** zod type of a socket id as sent by a backend or the admin console. */
export const socketIdSchema = z.string().regex(SOCKET_ID_PATTERN, 'must be a Pushy socket id (a lowercase UUID, as in pushy:connect)');

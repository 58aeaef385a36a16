import type { ServerResponse } from 'node:http';
import { errorBody, type PushyError } from '../errors.js';

/** Sends a JSON body with a status. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** `{"status":{"code":200|201,"message":"Ok"}}`, the usual trigger answers, encoded once. */
const OK_BODIES = new Map([200, 201].map((code) => [code, JSON.stringify({ status: { code, message: 'Ok' } })]));

/** Sends `{"status": {"code": status, "message": "Ok"}}` (a trigger's success) with that status. */
export function sendOk(res: ServerResponse, status: number, headers?: Record<string, string>): void {
  sendJsonText(res, status, OK_BODIES.get(status) ?? JSON.stringify({ status: { code: status, message: 'Ok' } }), headers);
}

/** Sends a catalogue error as `{"error": {"code", "name", "message"}}`. */
export function sendError(res: ServerResponse, error: PushyError, headers?: Record<string, string>): void {
  sendJson(res, error.status, { error: errorBody(error) }, headers);
}

/** Sends a body that is JSON text already. */
export function sendJsonText(res: ServerResponse, status: number, text: string, headers?: Record<string, string>): void {
  const head: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  };
  // Only when there are extra headers: spreading even an empty object costs a runtime call.
  if (headers) Object.assign(head, headers);
  res.writeHead(status, head);
  res.end(text);
}

import type { ServerResponse } from 'node:http';
import { PushyError } from '../errors.js';

/** Sends a JSON body with a status. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** `{"status":{"code":200|201,"message":"Ok"}}`, the usual trigger answers, encoded once. */
const OK_BODIES = new Map([200, 201].map((code) => [code, JSON.stringify({ status: { code, message: 'Ok' } })]));

/** Sends `{"status": {"code": status, "message": "Ok"}}` (a trigger's success) with that status. */
export function sendOk(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, OK_BODIES.get(status) ?? JSON.stringify({ status: { code: status, message: 'Ok' } }), headers);
}

/** Sends a catalogue error as `{"error": {"code", "message"}}`. */
export function sendError(res: ServerResponse, error: PushyError, headers: Record<string, string> = {}): void {
  sendJson(res, error.status, { error: { code: error.code, message: error.message } }, headers);
}

function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

import { PushyError } from '../errors.js';

/**
 * Deepest nesting of arrays and objects Pushy takes in JSON from outside (socket frames, presence
 * data, trigger and admin bodies). `JSON.parse` copes with any depth, but `JSON.stringify` (every
 * frame the data later goes out in) recurses and overflows the stack somewhere past a few
 * thousand levels; real event data is nowhere near this.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * True when the JSON text nests arrays and objects more than `maxDepth` levels deep. A scan of
 * the text without recursion, so any depth is measured safely; meant for text that `JSON.parse`
 * accepted (on other text the answer means nothing).
 */
export function jsonTooDeep(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  // Each level takes at least one character: short texts cannot be too deep.
  if (text.length <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth -= 1;
    }
  }
  return false;
}

/** Throws {@link PushyError} `JSON_TOO_DEEP` when {@link jsonTooDeep} says so. */
export function checkJsonDepth(text: string, what: string): void {
  if (jsonTooDeep(text)) throw new PushyError('JSON_TOO_DEEP', `${what} nested too deeply (more than ${MAX_JSON_DEPTH} levels)`);
}

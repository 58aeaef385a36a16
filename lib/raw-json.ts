/**
 * JSON text kept exactly as a backend sent (and signed) it. An event's data travels as one when
 * its text was signed, so subscribers get those bytes, not a re-serialisation of the parsed value
 * (which turns `12345678901234567890` into `12345678901234567000`). Every encoder on the event's
 * way (frames, history, the Redis broker) splices the text in with {@link jsonText}.
 */
export class RawJson {
  /** @param text A JSON text the caller has parsed (so it is valid), without surrounding whitespace. */
  constructor(readonly text: string) {}

  /** For an encoder that does not know RawJson (`JSON.stringify`): the parsed value, which may lose digits. */
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** The JSON text of a value: a {@link RawJson}'s own text, anything else as `JSON.stringify` writes it. */
export function jsonText(value: unknown): string | undefined {
  return value instanceof RawJson ? value.text : JSON.stringify(value);
}

/**
 * A RawJson of a JSON text read back from a store or another node: checked, since whoever can
 * write there could put anything, and a frame must stay valid JSON. Throws a SyntaxError otherwise.
 */
export function storedJson(text: string): RawJson {
  JSON.parse(text);
  return new RawJson(text);
}

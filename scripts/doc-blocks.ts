/**
 * Named blocks in the Markdown docs: the text between `<!-- name -->` and `<!-- /name -->`.
 * Generated tables live in such blocks, and tests find the snippets they run by them.
 */

/** The text between `<!-- name -->` and `<!-- /name -->`, without the surrounding newlines. */
export function readBlock(text: string, name: string): string {
  const { start, end } = blockBounds(text, name);
  return text.slice(start, end).trim();
}

/** `text` with the content of block `name` replaced by `content`. */
export function replaceBlock(text: string, name: string, content: string): string {
  const { start, end } = blockBounds(text, name);
  return `${text.slice(0, start)}\n${content}\n${text.slice(end)}`;
}

function blockBounds(text: string, name: string): { start: number; end: number } {
  const open = `<!-- ${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(`<!-- /${name} -->`);
  if (start < 0 || end < start) throw new Error(`no <!-- ${name} --> ... <!-- /${name} --> block`);
  return { start: start + open.length, end };
}

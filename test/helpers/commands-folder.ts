import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from './process.js';

/** Writes a commands folder the way an operator would: plain JS files importing the package. */
export function writeCommandsFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pushy-commands-'));
  const pkg = pathToFileURL(path.join(PROJECT_ROOT, 'dist', 'lib', 'index.js')).href;
  writeFileSync(
    path.join(dir, 'echo.mjs'),
    `export default { name: 'Echo', async handle(ctx, data) { return { echoed: data, from: ctx.connection.id }; } };\n`,
  );
  writeFileSync(
    path.join(dir, 'shout.mjs'),
    `export default {
  name: 'shout',
  async handle(ctx, data) {
    const nodes = await ctx.publish(data.channel, 'shouted', { text: String(data.text).toUpperCase() }, { excludeSelf: !!data.quiet });
    return { nodes };
  },
};\n`,
  );
  writeFileSync(
    path.join(dir, 'deny.mjs'),
    `import { PushyError } from ${JSON.stringify(pkg)};
export default { name: 'deny', handle() { throw new PushyError('NOT_SUBSCRIBED', 'You may not do that'); } };\n`,
  );
  writeFileSync(path.join(dir, 'crash.mjs'), `export default { name: 'crash', handle() { throw new TypeError('secret internals'); } };\n`);
  writeFileSync(
    path.join(dir, 'legacy.js'),
    `module.exports = function (sockjs, connection, data, channels) {
  connection.write(JSON.stringify({ event: 'legacy-pong', data: { got: data, hasServer: typeof sockjs.on === 'function' } }));
  return channels.trigger(data.channel, 'legacy-broadcast', { from: connection.id });
};\n`,
  );
  writeFileSync(path.join(dir, 'broken.mjs'), `export default {{ this is not javascript\n`);
  writeFileSync(path.join(dir, 'README.txt'), `not a command\n`);
  return dir;
}

import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
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
  // Publishes whatever the client asks: the server's name rule must hold anyway.
  writeFileSync(
    path.join(dir, 'relay.mjs'),
    `export default { name: 'relay', async handle(ctx, data) { return { nodes: await ctx.publish(data.channel, data.event, data.data) }; } };\n`,
  );
  // A v1 relay, through channels.trigger.
  writeFileSync(path.join(dir, 'legacy-relay.js'), `module.exports = (sockjs, connection, data, channels) => channels.trigger(data.channel, data.event, data.data);\n`);
  // An editor's backup and a macOS resource fork: never commands.
  writeFileSync(path.join(dir, '.echo.mjs.swp.mjs'), `export default { name: 'hidden', handle() { return 'loaded a dotfile'; } };\n`);
  writeFileSync(path.join(dir, '._relay.mjs'), `export default { name: 'fork', handle() { return 'loaded a dotfile'; } };\n`);
  // A symlink to a file elsewhere: refused. One to a file inside the folder: fine.
  const elsewhere = mkdtempSync(path.join(tmpdir(), 'pushy-elsewhere-'));
  writeFileSync(path.join(elsewhere, 'outside.mjs'), `export default { name: 'outside', handle() { return 'ran a file from outside'; } };\n`);
  symlinkSync(path.join(elsewhere, 'outside.mjs'), path.join(dir, 'outside.mjs'));
  mkdirSync(path.join(dir, 'impl'));
  writeFileSync(path.join(dir, 'impl', 'linked.mjs'), `export default { name: 'linked', handle() { return 'linked inside'; } };\n`);
  symlinkSync(path.join('impl', 'linked.mjs'), path.join(dir, 'linked.mjs'));
  return dir;
}

import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { createLogger } from '../../lib/logger.js';
import { commandFileOf, installProcessPolicy } from '../../lib/process-policy.js';

/** An error whose stack is exactly `frames`. */
function errorWith(message: string, ...frames: string[]): Error {
  const error = new Error(message);
  error.stack = [`Error: ${message}`, ...frames.map((frame) => `    at ${frame}`)].join('\n');
  return error;
}

describe('lib/process-policy', () => {
  describe('commandFileOf', () => {
    it('finds the first frame inside the commands folder, ESM (file: URL) or CommonJS (path)', () => {
      const esm = errorWith('x', 'Timeout._onTimeout (file:///srv/commands/relay.mjs:4:11)', 'listOnTimeout (node:internal/timers:573:17)');
      expect(commandFileOf(esm, '/srv/commands')).to.equal('/srv/commands/relay.mjs');
      const cjs = errorWith('x', 'inner (/srv/app/lib/helper.js:1:1)', '/srv/commands/sub/old.js:10:3', 'node:internal/x:1:1');
      expect(commandFileOf(cjs, '/srv/commands/')).to.equal('/srv/commands/sub/old.js');
      const encoded = errorWith('x', 'f (file:///srv/my%20commands/a.mjs:1:1)');
      expect(commandFileOf(encoded, '/srv/my commands')).to.equal('/srv/my commands/a.mjs');
    });

    it('finds nothing without a folder, a stack, or a frame in the folder (a look-alike folder included)', () => {
      const elsewhere = errorWith('x', 'f (file:///srv/commands-other/a.mjs:1:1)', 'g (/srv/lib/server.js:3:4)');
      expect(commandFileOf(elsewhere, '/srv/commands')).to.equal(undefined);
      expect(commandFileOf(errorWith('x', 'f (file:///srv/commands/a.mjs:1:1)'), '')).to.equal(undefined);
      expect(commandFileOf('a thrown string', '/srv/commands')).to.equal(undefined);
      const noStack = new Error('x');
      noStack.stack = undefined;
      expect(commandFileOf(noStack, '/srv/commands')).to.equal(undefined);
    });
  });

  describe('installProcessPolicy', () => {
    const setUp = (): { target: EventEmitter; lines: string[]; exits: number[]; remove: () => void } => {
      const target = new EventEmitter();
      const lines: string[] = [];
      const exits: number[] = [];
      const remove = installProcessPolicy({ logger: createLogger('debug', (line) => lines.push(line)), commandsDir: '/srv/commands', exit: (code) => exits.push(code), target });
      return { target, lines, exits, remove };
    };

    it('logs a custom command\'s uncaught exception and rejection with its file, and keeps running', () => {
      const { target, lines, exits } = setUp();
      target.emit('uncaughtException', errorWith('boom', 'f (file:///srv/commands/a.mjs:1:1)'));
      target.emit('unhandledRejection', errorWith('nope', 'g (/srv/commands/b.js:2:2)'));
      expect(exits).to.deep.equal([]);
      expect(lines[0]).to.contain('ERROR uncaught exception in custom command /srv/commands/a.mjs').and.contain('boom');
      expect(lines[1]).to.contain('ERROR unhandled promise rejection in custom command /srv/commands/b.js').and.contain('nope');
    });

    it('logs any other rejection (whatever was rejected) and keeps running', () => {
      const { target, lines, exits } = setUp();
      target.emit('unhandledRejection', 'just a string');
      target.emit('unhandledRejection', { toString: () => { throw new Error('no'); } });
      expect(exits).to.deep.equal([]);
      expect(lines[0]).to.contain('ERROR unhandled promise rejection').and.contain('just a string');
      expect(lines[1]).to.contain('ERROR unhandled promise rejection');
    });

    it('logs any other uncaught exception with its stack and exits with code 1', () => {
      const { target, lines, exits } = setUp();
      target.emit('uncaughtException', errorWith('bug', 'f (file:///srv/lib/server.js:1:1)'));
      expect(exits).to.deep.equal([1]);
      expect(lines[0]).to.contain('ERROR uncaught exception: exiting').and.contain('bug').and.contain('server.js');
    });

    it('removes its listeners when asked', () => {
      const { target, remove } = setUp();
      remove();
      expect(target.listenerCount('uncaughtException') + target.listenerCount('unhandledRejection')).to.equal(0);
    });
  });
});

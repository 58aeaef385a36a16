import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, describeOptions, loadConfig } from '../../lib/config.js';

/** Every boolean option, found from the schema so that one added later is covered too. */
const BOOLEAN_OPTIONS = describeOptions().filter((option) => typeof option.default === 'boolean');

function valueOf(config: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config);
}

describe('config: boolean options from the environment', () => {
  it('there are boolean options to check (sockjs.websocket, metrics.enabled)', () => {
    expect(BOOLEAN_OPTIONS.map((option) => option.key)).to.include.members(['sockjs.websocket', 'metrics.enabled']);
  });

  for (const option of BOOLEAN_OPTIONS) {
    it(`${option.env} reads true/false, 1/0 and yes/no in any case`, () => {
      for (const [text, expected] of [
        ['true', true], ['false', false], ['1', true], ['0', false], ['yes', true], ['no', false],
        ['TRUE', true], ['False', false], ['YES', true], ['No', false], [' 0 ', false],
      ] as const) {
        expect(valueOf(loadConfig({ env: { [option.env]: text } }), option.key), `${option.env}=${JSON.stringify(text)}`).to.equal(expected);
      }
    });

    it(`${option.env} refuses any other text, naming the variable`, () => {
      for (const text of ['nope', '', 'off', '2', 'truthy', 'y']) {
        expect(() => loadConfig({ env: { [option.env]: text } }), `${option.env}=${JSON.stringify(text)}`)
          .to.throw(ConfigError)
          .with.property('message')
          .that.contains(option.env)
          .and.contains(option.key);
      }
    });
  }

  it('a boolean in a config file must be a JSON boolean or one of the words', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pushy-config-'));
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ sockjs: { websocket: 'nope' } }));
    expect(() => loadConfig({ file, env: {} })).to.throw(ConfigError, /sockjs\.websocket/);
    writeFileSync(file, JSON.stringify({ sockjs: { websocket: false } }));
    expect(loadConfig({ file, env: {} }).sockjs.websocket).to.equal(false);
  });

  it('names the variable for a bad value of any kind from the environment', () => {
    expect(() => loadConfig({ env: { PUSHY_PORT: 'abc' } })).to.throw(ConfigError, /port \(environment variable PUSHY_PORT\)/);
  });
});

describe('config: commandsDir', () => {
  it('is refused, naming the key, when the folder does not exist', () => {
    expect(() => loadConfig({ env: {}, overrides: { commandsDir: '/nonexistent/pushy-commands' } }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/commandsDir: no such folder/)
      .and.contains('/nonexistent/pushy-commands');
  });

  it('is refused when it names a file, and from the environment names the variable', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pushy-config-'));
    const file = path.join(dir, 'not-a-folder.js');
    writeFileSync(file, '');
    expect(() => loadConfig({ env: { PUSHY_COMMANDS_DIR: file } })).to.throw(ConfigError, /commandsDir \(environment variable PUSHY_COMMANDS_DIR\): not a folder/);
  });

  it('is accepted when the folder exists, or when empty (no custom commands)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pushy-config-'));
    expect(loadConfig({ env: { PUSHY_COMMANDS_DIR: dir } }).commandsDir).to.equal(dir);
    expect(loadConfig({ env: {} }).commandsDir).to.equal('');
  });
});

describe('config: log.format', () => {
  it('is "text" by default, "json" from PUSHY_LOG_FORMAT, and nothing else', () => {
    expect(loadConfig({ env: {} }).log.format).to.equal('text');
    expect(loadConfig({ env: { PUSHY_LOG_FORMAT: 'json' } }).log.format).to.equal('json');
    expect(() => loadConfig({ env: { PUSHY_LOG_FORMAT: 'xml' } })).to.throw(ConfigError, /log\.format \(environment variable PUSHY_LOG_FORMAT\)/);
  });
});

describe('config: overrides (the command line, embedding)', () => {
  it('win over the file and the environment, and are validated like them', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pushy-config-'));
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ port: 1000, sockjs: { prefix: '/file' } }));
    const config = loadConfig({ file, env: { PUSHY_PORT: '2000', PUSHY_SOCKJS_PREFIX: '/env' }, overrides: { port: 3000 } });
    expect(config.port).to.equal(3000);
    expect(config.sockjs.prefix).to.equal('/env');
    expect(() => loadConfig({ env: { PUSHY_PORT: '2000' }, overrides: { port: 70000 } })).to.throw(ConfigError, /port/);
    expect(() => loadConfig({ env: {}, overrides: { nope: 1 } as never })).to.throw(ConfigError, /nope/);
  });
});

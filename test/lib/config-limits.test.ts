import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { describeOptions, loadConfig } from '../../lib/config.js';

describe('lib/config limits and origins', () => {
  const example = JSON.parse(readFileSync(new URL('../../../config.example.json', import.meta.url), 'utf8')) as {
    limits: Record<string, unknown>;
    sockjs: Record<string, unknown>;
  };

  it('config.example.json lists every limit with its default', () => {
    const defaults = describeOptions().filter((o) => o.key.startsWith('limits.'));
    expect(Object.keys(example.limits).sort()).to.deep.equal(defaults.map((o) => o.key.slice('limits.'.length)).sort());
    for (const option of defaults) expect(example.limits[option.key.slice('limits.'.length)], option.key).to.equal(option.default);
    expect(example.sockjs.allowedOrigins).to.deep.equal([]);
  });

  it('reads every limit and the origin list from PUSHY_* variables', () => {
    const config = loadConfig({
      env: { PUSHY_MAX_CONNECTIONS: '7', PUSHY_FRAMES_PER_SECOND: '3', PUSHY_MAX_BUFFERED_BYTES: '1000', PUSHY_SOCKJS_ALLOWED_ORIGINS: 'https://a.example,https://*.b.example' },
    });
    expect(config.limits).to.include({ maxConnections: 7, framesPerSecond: 3, maxBufferedBytes: 1000 });
    expect(config.sockjs.allowedOrigins).to.deep.equal(['https://a.example', 'https://*.b.example']);
    for (const option of describeOptions().filter((o) => o.key.startsWith('limits.'))) expect(option.env, option.key).to.match(/^PUSHY_/);
  });
});

import { expect } from 'chai';
import sinon from 'sinon';
import { createLogger } from '../../lib/logger.js';

describe('logger', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2030-01-02T03:04:05.678Z'), toFake: ['Date'] });
  });
  afterEach(() => clock.restore());

  function capture(format: 'text' | 'json', level: 'debug' | 'info' = 'debug'): { lines: string[]; logger: ReturnType<typeof createLogger> } {
    const lines: string[] = [];
    return { lines, logger: createLogger(level, (line) => lines.push(line), format) };
  }

  it('json: one object per event with time, level, msg and the fields', () => {
    const { lines, logger } = capture('json');
    logger.info('Pushy listening', { url: 'http://127.0.0.1:1', n: 2 });
    logger.debug('plain');
    expect(lines.map((line) => JSON.parse(line))).to.deep.equal([
      { time: '2030-01-02T03:04:05.678Z', level: 'info', msg: 'Pushy listening', url: 'http://127.0.0.1:1', n: 2 },
      { time: '2030-01-02T03:04:05.678Z', level: 'debug', msg: 'plain' },
    ]);
    expect(lines[0]!.startsWith('{"time":')).to.equal(true);
  });

  it('json: an event stays one line, errors keep message and stack, fields cannot overwrite time, level or msg', () => {
    const { lines, logger } = capture('json');
    const error = new Error('boom\nsecond line');
    logger.error('failed\nhere', { error, level: 'fake', msg: 'fake', time: 'fake' });
    expect(lines).to.have.length(1);
    expect(lines[0]).not.to.contain('\n');
    const line = JSON.parse(lines[0]!) as Record<string, any>;
    expect(line).to.include({ time: '2030-01-02T03:04:05.678Z', level: 'error', msg: 'failed\nhere', 'field.level': 'fake', 'field.msg': 'fake', 'field.time': 'fake' });
    expect(line.error).to.deep.equal({ message: error.message, stack: error.stack });
  });

  it('json: a field that cannot be encoded does not cost the line', () => {
    const { lines, logger } = capture('json');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    logger.warn('odd', { cycle });
    expect(JSON.parse(lines[0]!)).to.deep.equal({ time: '2030-01-02T03:04:05.678Z', level: 'warn', msg: 'odd', fields: 'unserialisable' });
  });

  it('text (the default): time LEVEL message {fields}', () => {
    const lines: string[] = [];
    const logger = createLogger('info', (line) => lines.push(line));
    logger.info('hello', { a: 1 });
    logger.debug('not at info');
    expect(lines).to.deep.equal(['2030-01-02T03:04:05.678Z INFO hello {"a":1}']);
  });
});

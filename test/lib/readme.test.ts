import { expect } from 'chai';
import { describeOptions } from '../../lib/config.js';
import { ERRORS } from '../../lib/errors.js';
import { readmeBlock } from '../helpers/readme.js';

describe('README stays in sync with the code', () => {
  it('documents every configuration option with its default and environment variable', () => {
    const table = readmeBlock('options-table');
    for (const option of describeOptions()) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`${option.key}\` |`));
      expect(row, option.key).to.be.a('string');
      expect(row).to.contain(`\`${JSON.stringify(option.default)}\``);
      expect(row).to.contain(`\`${option.env}\``);
    }
  });

  it('documents every socket error code', () => {
    const table = readmeBlock('error-table');
    const socketErrors = ['BOGUS_FRAME', 'UNKNOWN_COMMAND', 'INVALID_CHANNEL', 'INVALID_DATA', 'NOT_SUBSCRIBED', 'CHANNEL_NOT_FOUND', 'FRAME_TOO_LARGE', 'RATE_LIMITED', 'INTERNAL', 'UNAVAILABLE'] as const;
    for (const name of socketErrors) expect(table, name).to.contain(`| \`${ERRORS[name].code}\` |`);
  });

  it('lists every catalogue error with its code and HTTP status, and nothing the catalogue lacks', () => {
    const rows = readmeBlock('error-table')
      .split('\n')
      .map((line) => /^\| `(\d+)` \| `([A-Z_]+)` \| (\d+) \|/.exec(line))
      .filter((match) => match !== null)
      .map(([, code, name, status]) => ({ code, name, status: Number(status) }));
    const catalogue = Object.entries(ERRORS).map(([name, entry]) => ({ code: entry.code, name, status: entry.status }));
    expect(rows).to.have.deep.members(catalogue);
    expect(rows).to.have.length(catalogue.length);
  });
});

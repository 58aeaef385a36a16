import { expect } from 'chai';
import fc from 'fast-check';
import sinon from 'sinon';
import { MemoryHistoryStore } from '../../lib/history/memory-history-store.js';

const CHANNELS = ['a', 'b', 'c'] as const;
const RETENTION = { size: 8, ttl: 10 };
const MAX_BYTES = 3000;

type Op =
  | { kind: 'append'; channel: (typeof CHANNELS)[number]; size: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'read'; channel: (typeof CHANNELS)[number]; back: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), channel: fc.constantFrom(...CHANNELS), size: fc.integer({ min: 0, max: 400 }) }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 6000 }) }),
  fc.record({ kind: fc.constant('read' as const), channel: fc.constantFrom(...CHANNELS), back: fc.integer({ min: 0, max: 12 }) }),
);

describe('MemoryHistoryStore (property)', () => {
  it('whatever happens: reads are consecutive, match what was appended, respect size/ttl/memory, and `complete` tells the truth', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
        const store = new MemoryHistoryStore({ maxMemoryBytes: MAX_BYTES, metaTtl: 3600 });
        // The model: every event appended per channel and epoch, by offset.
        const appended = new Map<string, Map<number, { data: string; at: number }>>();
        try {
          for (const step of ops) {
            if (step.kind === 'tick') {
              clock.tick(step.ms);
            } else if (step.kind === 'append') {
              const data = 'x'.repeat(step.size);
              const { offset, epoch } = await store.append(step.channel, { event: 'e', data }, RETENTION);
              const key = `${step.channel}/${epoch}`;
              const events = appended.get(key) ?? new Map();
              expect(offset, 'offsets grow by one').to.equal(events.size + 1);
              events.set(offset, { data, at: Date.now() });
              appended.set(key, events);
            } else {
              const position = await store.read(step.channel, RETENTION);
              const since = Math.max(0, position.offset - step.back);
              const read = await store.read(step.channel, RETENTION, { since });
              const model = appended.get(`${step.channel}/${read.epoch}`) ?? new Map();
              expect(read.events.length).to.be.at.most(RETENTION.size);
              read.events.forEach((event, index) => {
                expect(event.offset).to.equal((read.events[0]?.offset ?? 0) + index);
                expect(event.offset).to.be.greaterThan(since).and.at.most(read.offset);
                expect(event.data).to.equal(model.get(event.offset)?.data);
                expect(event.timestamp).to.be.greaterThan(Date.now() - RETENTION.ttl * 1000);
              });
              if (read.complete) {
                // Every event after `since` is there, up to the current offset.
                expect(read.events.map((e) => e.offset)).to.deep.equal(Array.from({ length: read.offset - since }, (_, i) => since + 1 + i));
              }
            }
            expect(store.memoryBytes()).to.be.at.most(MAX_BYTES);
          }
        } finally {
          await store.close();
          clock.restore();
        }
      }),
      { numRuns: 150 },
    );
  });
});

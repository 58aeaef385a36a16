/** Entry point of a worker process, forked by the primary of `workers: N` (see primary.ts). */
import { parentLink } from '../ipc/link.js';
import { runWorker } from './worker.js';

runWorker(parentLink()).catch((error: unknown) => {
  process.stderr.write(`Pushy worker failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

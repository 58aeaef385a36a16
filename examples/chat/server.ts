import { startChatExample } from './app.js';
import { exampleOptions } from './settings.js';

// `npm run example`: Pushy on 8124 and the chat app on 8080 (see settings.ts for the env vars).
let example;
try {
  example = await startChatExample(exampleOptions(process.env));
} catch (error) {
  // One line, no stack: these are the user's settings or a port someone else holds.
  process.stderr.write(`chat example: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
const running = example;
const stop = (): void => {
  void running.close().then(() => process.exit(0));
};
// Listening for the signals before saying we are up: whoever reads that line may stop us at once,
// and a signal that comes before its listener kills the process (no graceful close, no exit 0).
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
console.log(`Pushy is on ${example.pushyUrl}; open ${example.appUrl} in two browser windows to chat.`);

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
let stopping = false;
const stop = (): void => {
  // A second signal while closing changes nothing: the close under way ends the process.
  if (stopping) return;
  stopping = true;
  running.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`chat example: could not close cleanly: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
};
// Listening for the signals before saying it is up: whoever reads that line may stop it at once.
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
console.log(`Pushy is on ${example.pushyUrl}; open ${example.appUrl} in two browser windows to chat.`);

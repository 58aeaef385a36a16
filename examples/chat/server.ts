import { startChatExample } from './app.js';

// `npm run example`: Pushy on 8123 and the chat app on 8080 (change with the env vars below).
const example = await startChatExample({
  appPort: Number(process.env.EXAMPLE_PORT ?? 8080),
  pushyPort: Number(process.env.PUSHY_PORT ?? 8123),
  host: process.env.EXAMPLE_HOST ?? '127.0.0.1',
  secretKey: process.env.PUSHY_SECRET_KEY ?? 'example-secret-change-me',
});
console.log(`Pushy is on ${example.pushyUrl}; open ${example.appUrl} in two browser windows to chat.`);

const stop = (): void => {
  void example.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

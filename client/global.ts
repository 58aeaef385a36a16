import { Pushy } from './pushy.js';

// The script-tag build: `new Pushy(url, options)` from a plain <script src="/pushy/client.js">.
(globalThis as { Pushy?: typeof Pushy }).Pushy = Pushy;

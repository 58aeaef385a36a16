/** Constant-time comparison of signatures: one implementation, in util. */
export { safeEqual } from '../util/constant-time.js';

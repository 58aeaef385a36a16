import { randomInt } from 'node:crypto';

/** Largest value of each part of a socket id (pusher-js and the SDKs read them as integers). */
const PART_MAX = 2 ** 31 - 1;

/**
 * Makes Pusher socket ids `N.N`: the first number is drawn once per node (so ids of different
 * nodes differ), the second counts up from a random start.
 */
export class PusherSocketIds {
  private readonly nodePart = randomInt(1, PART_MAX);
  private counter = randomInt(1, PART_MAX);

  /** A fresh id, unique on this node and, with overwhelming probability, across the cluster. */
  next(): string {
    this.counter = this.counter >= PART_MAX ? 1 : this.counter + 1;
    return `${this.nodePart}.${this.counter}`;
  }
}

/** The socket id rule of the Pusher SDKs (`/\A\d+\.\d+\z/`). */
export function isPusherSocketId(value: string): boolean {
  return /^\d{1,10}\.\d{1,10}$/.test(value);
}

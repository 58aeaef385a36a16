/**
 * The many-channels plan, computed the same way by the driver and every loadgen so that
 * nothing but its parameters travels: `channels` channels named `<prefix><c>`, channel c with
 * 1 + (c % 3) subscribers (1 to 3, 2 on average) spread over `conns` clients, and `triggers`
 * triggers sent to distinct channels in a scattered order.
 */

/** Stride between the subscribers of one channel: a third of the clients, so they differ. */
const stride = (conns) => Math.floor(conns / 3) + 1;

/** Subscribers of channel `c` (client indexes). */
export function subscribersOf(plan, c) {
  const s = stride(plan.conns);
  const out = [];
  for (let j = 0; j <= c % 3; j++) out.push((c + j * s) % plan.conns);
  return out;
}

/** Channel of trigger `i` (7919 is prime, so the first `channels` triggers hit distinct channels). */
export const channelOfTrigger = (plan, i) => (i * 7919) % plan.channels;

/** Name of channel `c`. */
export const channelName = (plan, c) => `${plan.prefix}${c}`;

/** Map of client index -> channel names, for the clients in [from, to). */
export function subscriptionsOf(plan, from, to) {
  const map = new Map();
  for (let c = 0; c < plan.channels; c++) {
    for (const index of subscribersOf(plan, c)) {
      if (index < from || index >= to) continue;
      let list = map.get(index);
      if (!list) map.set(index, (list = []));
      list.push(channelName(plan, c));
    }
  }
  return map;
}

/** Deliveries that the clients in [from, to) get from the plan's triggers. */
export function deliveriesOf(plan, from, to) {
  let total = 0;
  for (let i = 0; i < plan.triggers; i++) {
    for (const index of subscribersOf(plan, channelOfTrigger(plan, i))) if (index >= from && index < to) total += 1;
  }
  return total;
}

/** Longest channel name any configuration may allow: the protocol's own limit. */
export const MAX_CHANNEL_NAME_LENGTH = 200;

/** Highest `limits.maxTriggerChannels` the config accepts: one request's fan-out stays bounded. */
export const MAX_TRIGGER_CHANNELS = 1000;
/** Highest `limits.maxBatchEvents` the config accepts. */
export const MAX_BATCH_EVENTS = 100;

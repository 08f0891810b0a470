import { fileSubscriberStore } from './stores/file-subscriber-store.js';
import { redisSubscriberStore } from './stores/redis-subscriber-store.js';
import type { SubscriberStoreSpec } from './options.js';
import type { SubscriberStore } from './subscriber.js';

/** Opens the store `spec` names. Built-in stores connect on their first call, so this does no I/O. */
export function openSubscriberStore(spec: SubscriberStoreSpec): { store: SubscriberStore; owned: boolean } {
  switch (spec.kind) {
    case 'options':
      // The app's own object: the app closes it.
      return { store: spec.store, owned: false };
    case 'file':
      return { store: fileSubscriberStore({ path: spec.path }), owned: true };
    case 'redis':
      return { store: redisSubscriberStore({ url: spec.url }), owned: true };
  }
}

// fake-indexeddb's side-effect entry (installs an in-memory IndexedDB as the globals) ships no types.
declare module 'fake-indexeddb/auto';

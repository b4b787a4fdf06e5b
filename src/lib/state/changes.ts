// Hears other tabs' writes (src/worker/locks.ts announces them on a BroadcastChannel) and calls
// back for each, skipping this tab's own worker. Returns how to stop listening.
import { CHANNEL_NAME, type ChangeMessage } from '../../worker/locks';

export function listenForChanges(ownId: string, onChange: () => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {};
  const channel = new BroadcastChannel(CHANNEL_NAME);
  channel.onmessage = (e: MessageEvent<ChangeMessage>) => {
    if (e.data?.type === 'changed' && e.data.from !== ownId) onChange();
  };
  return () => channel.close();
}

// Plain-language explanations and the usual fix for each way a goroutine can leak.
import type { WaitReason } from './classify.js';

export interface Explanation {
  explanation: string;
  fix: string;
}

/** The mechanism and the usual fix; where it happens is reported beside it (blockingSite, createdBy). */
export function explainLeak(reason: WaitReason): Explanation {
  switch (reason) {
    case 'chan-send':
      return {
        explanation: `Goroutines pile up sending on a channel nobody receives from anymore. Typical cause: the caller gave up (timeout or cancelled context) and returned, so the result send on an unbuffered channel can never complete.`,
        fix: 'Give the result channel capacity 1 (make(chan T, 1)) so the send always completes, or select on the send and <-ctx.Done().',
      };
    case 'chan-receive':
      return {
        explanation: `Goroutines pile up receiving from a channel that is never sent to or closed. Typical cause: \`for v := range ch\` (or <-ch) where the producer returned without close(ch).`,
        fix: 'Close the channel when the producer is done (defer close(ch) in the sender), or select on the receive and <-ctx.Done().',
      };
    case 'nil-chan':
      return {
        explanation: `Goroutines block forever on a nil channel: a send or receive on a channel variable that was never made (or was set to nil) never proceeds.`,
        fix: 'Initialise the channel with make before use, or guard the operation; in a select, a nil channel case is simply never chosen.',
      };
    case 'select':
      return {
        explanation: `Goroutines pile up in a select where no case ever becomes ready.`,
        fix: 'Add a case <-ctx.Done() (or a done channel) and make sure the owner cancels it when the goroutine is no longer needed.',
      };
    case 'select-no-cases':
      return {
        explanation: `Goroutines run \`select {}\`, which blocks forever by design; more of them keep being started.`,
        fix: 'Block on a context or done channel instead, or stop starting these goroutines per request.',
      };
    case 'mutex':
    case 'rwmutex':
      return {
        explanation: `Goroutines pile up waiting for a ${reason === 'mutex' ? 'sync.Mutex' : 'sync.RWMutex'} that is never released: some path locks it and returns without unlocking, often an early return on an error.`,
        fix: 'Unlock with defer right after locking (mu.Lock(); defer mu.Unlock()), and check every early return between Lock and Unlock.',
      };
    case 'waitgroup':
      return {
        explanation: `Goroutines pile up in WaitGroup.Wait: the counter never reaches zero because a goroutine counted by Add does not call Done on some path.`,
        fix: 'Make `defer wg.Done()` the first statement of every counted goroutine, and call Add before starting it (or use wg.Go on Go 1.25+).',
      };
    case 'cond':
      return {
        explanation: `Goroutines pile up in sync.Cond.Wait: the condition is never signalled.`,
        fix: 'Signal or Broadcast whenever the condition changes (also on shutdown), and wait in a loop that re-checks the condition.',
      };
    default:
      return {
        explanation: `Goroutines pile up blocked (${reason}).`,
        fix: 'Find what this goroutine waits for and make sure it is released or cancelled when its caller gives up.',
      };
  }
}
